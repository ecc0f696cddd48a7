import { Worker } from 'node:worker_threads';

/**
 * A worker thread running one of tiendo's TypeScript modules. The sources run through tsx, whose
 * loader a worker does not inherit: the thread registers it before importing `entry`.
 */
export function startThread(entry: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}
