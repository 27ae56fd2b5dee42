// Micro-benchmark of the per-call deadline patterns of issue 8, part 2: the client's
// `withDeadline` before (a deadline promise raced against the work inside an async
// function) and after (one promise settled by whichever comes first), each around a work
// that resolves at once. Both are copies of the code, so the figure is the pattern's
// cost alone. Run: `node bench/micro/deadline.mjs`.
import { report } from './measure.mjs';

const deadlineExceeded = () => new Error('deadline');

async function raced(timeoutMs, work) {
  const controller = new AbortController();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = deadlineExceeded();
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function settled(timeoutMs, work) {
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = deadlineExceeded();
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    work(controller.signal).then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const reply = { kind: 'response' };
const work = async () => reply;


// The server's deadline wrapper, before (listener removed when the handler ends) and after
// (the listener stays on the call's own signal, which never aborts once the call is done).
function waitBefore(signal, next) {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    next().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function waitAfter(signal, next) {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    next().then(resolve, reject);
  });
}

const next = async () => reply;

const cases = {
  'server deadline wrapper: before (remove listener)': () => waitBefore(new AbortController().signal, next),
  'server deadline wrapper: after (listener stays)': () => waitAfter(new AbortController().signal, next),
  'client withDeadline: before (race)': () => raced(5000, work),
  'client withDeadline: after (one promise)': () => settled(5000, work),
};
await report(cases, process.argv[2]);
