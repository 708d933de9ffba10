/**
 * Requests that supersede each other (the evaluation at a slider's value, at the chosen epoch). The function
 * latestOnly() returns starts watching a request and passes on its answer or error only if no later request
 * has been given to the same function meanwhile, so a slow earlier answer never overwrites a newer one.
 */
export type LatestOnly = <T>(request: Promise<T>, onAnswer: (value: T) => void, onError: (err: Error) => void) => void;

export function latestOnly(): LatestOnly {
  let seq = 0;
  return (request, onAnswer, onError) => {
    const mine = ++seq;
    request
      .then((value) => {
        if (mine === seq) onAnswer(value);
      })
      .catch((err: Error) => {
        if (mine === seq) onError(err);
      });
  };
}
