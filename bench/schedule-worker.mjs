// The open-loop load's clock (bench/agent.mjs): wakes at each scheduled
// send time and tells the main thread which sends are due. It sleeps in
// Atomics.wait, which wakes within tens of microseconds, where a timer
// on the main thread can fire a millisecond or more late.
import { parentPort, workerData } from 'node:worker_threads';

/** Monotonic milliseconds, the same clock in every thread. */
const now = () => Number(process.hrtime.bigint()) / 1e6;

const times = workerData.times;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let next = 0;
while (next < times.length) {
  const wait = times[next] - now();
  if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
  const due = [];
  const until = now();
  while (next < times.length && times[next] <= until) due.push(next++);
  if (due.length > 0) parentPort.postMessage(due);
}
