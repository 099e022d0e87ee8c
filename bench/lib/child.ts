// Servers under test run in their own processes, so the load generator does not share their event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Asks the child a question over IPC (e.g. `statements`), with an argument if it takes one, and returns its answer. */
  ask<T = unknown>(question: string, argument?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `servers/<script>`, which reports `{ ready: port }` once it listens (`{ ready: null }` if it listens on none). */
export async function startChild(script: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const path = fileURLToPath(new URL(`../servers/${script}`, import.meta.url));
  const child = fork(path, [], {
    execArgv: ['--import', 'tsx'],
    // As in production: graphql-js checks every type test again outside production (about 5 % of the queue page's
    // profile), and the service turns off GraphiQL and introspection there. The baseline runs the same way.
    env: { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 120 s`)), 120_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on('message', (m: { ready?: number | null }) => {
      if (m && 'ready' in m) {
        clearTimeout(timer);
        resolve(m.ready ?? null);
      }
    });
  });
  child.removeAllListeners('exit');
  let asked = 0;
  return {
    url: port === null ? '' : `http://127.0.0.1:${port}/graphql`,
    port: port ?? 0,
    process: child,
    ask<T>(question: string, argument?: unknown) {
      const id = ++asked;
      return new Promise<T>((resolve) => {
        const listener = (m: { id?: number; answer?: T }) => {
          if (m?.id === id) {
            child.off('message', listener);
            resolve(m.answer as T);
          }
        };
        child.on('message', listener);
        child.send({ id, question, argument });
      });
    },
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      });
    },
  };
}

/** In a child: answers questions from the parent. */
export function answer(handlers: Record<string, (argument?: any) => unknown | Promise<unknown>>) {
  process.on('message', async (m: { id?: number; question?: string; argument?: unknown }) => {
    if (m?.id === undefined || m.question === undefined) return;
    const handler = handlers[m.question];
    process.send!({ id: m.id, answer: handler ? await handler(m.argument) : null });
  });
}

/** Milliseconds on CLOCK_MONOTONIC, with sub-millisecond resolution: one clock for every process on the machine. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
