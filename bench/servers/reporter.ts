// The live bench's reporter: files one report over HTTP when asked, from a process of its own. The reporter's HTTP
// exchange is not the subscribers' work: with it here, the process holding the subscribers only receives events, as it
// does from the raw broadcaster, which is asked to broadcast over IPC in the same way.
import { setPriority } from 'node:os';
import { answer } from '../lib/child.js';

// The lowest CPU priority: on this machine's two cores the reporter must not take a core from the server or the
// subscribers while an event is delivered, as a reporter's browser elsewhere would not. On Linux this lowers the main
// thread only, where the HTTP exchange runs; V8's worker threads, started before it, keep theirs (`perf sched` here
// showed them on a core in some slow events, about 5 ms over 22).
setPriority(19);

answer({
  report: async ({ url, body }: { url: string; body: string }) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return response.json();
  },
});
process.send!({ ready: null });
process.on('SIGTERM', () => process.exit(0));
