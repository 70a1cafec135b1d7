import { availableParallelism } from "node:os";

// Engines decode on libuv's thread pool, whose default of 4 threads would cap a server at 4
// cores however many it has. Node 20 sizes the pool at its first use, after this module has
// run, so it is imported first; a size the user set is kept.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
