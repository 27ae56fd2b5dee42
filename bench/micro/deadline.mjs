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


const cases = {
  'client withDeadline: before (race)': () => raced(5000, work),
  'client withDeadline: after (one promise)': () => settled(5000, work),
};
await report(cases, process.argv[2]);
