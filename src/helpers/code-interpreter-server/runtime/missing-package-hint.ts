// The message shown when Python imports a Pyodide-distribution package that is not available
// offline. It must say exactly what to download and which variable to set, because the helper
// never fetches packages from the internet at run time.
export function missingPackageHint(packageName: string, pyodideVersion: string, packageDir: string | undefined): string {
  const tarball = `https://github.com/pyodide/pyodide/releases/download/${pyodideVersion}/pyodide-${pyodideVersion}.tar.bz2`;
  if (packageDir) {
    return (
      `Package "${packageName}" could not be loaded from the local Pyodide distribution at ` +
      `VR_PYODIDE_CACHE_DIR=${packageDir}. Make sure that directory is the extracted full Pyodide ` +
      `${pyodideVersion} release (it must contain pyodide-lock.json and the package wheels, from ${tarball}). ` +
      `Packages are never downloaded at run time.`
    );
  }
  return (
    `Package "${packageName}" is part of the Pyodide distribution but is not available offline: ` +
    `packages are never downloaded at run time. To enable it, download the full Pyodide release ` +
    `matching the installed pyodide npm package (${pyodideVersion}): ${tarball}, extract it, set ` +
    `VR_PYODIDE_CACHE_DIR to the extracted directory (the one containing pyodide-lock.json), and ` +
    `restart the code interpreter helper.`
  );
}
