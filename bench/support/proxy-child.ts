/**
 * The bench's raw byte proxy, run as its own process: the floor any HTTP gateway pays for one
 * more hop (parse a request, open or reuse an upstream keep-alive connection, copy bytes both
 * ways), with no JSON parsing or translation. The gateway's throughput is reported as a ratio
 * of this proxy's, measured in the same run.
 *
 * Started with the upstream's origin in argv[2]; sends `{ type: 'ready', url }` over IPC once
 * listening and exits when the parent disconnects.
 */
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.argv[2]!);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
process.on('disconnect', () => process.exit(0));
