/**
 * Histogram buckets (seconds). LLM latencies span milliseconds (a cached GET, a short tool) to
 * many minutes (long generations, agentic tool loops, SSE streams held open), so the defaults
 * of prom-client (5 ms … 10 s) would put most real traffic in `+Inf`.
 */

/** Whole HTTP requests and upstream calls: 5 ms … 10 min. */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Upstream time to first token: prefill + queueing, 10 ms … 2 min. */
export const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/** SSE streams stay open for the whole generation and tool loop: 100 ms … 30 min. */
export const STREAM_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800];

/** Gateway tool execution (code interpreter, web search, MCP): 10 ms … 10 min. */
export const TOOL_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
