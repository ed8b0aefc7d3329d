// The `accepted` update every lifecycle workflow answers: callers start the
// workflow with update-with-start and learn, synchronously, whether the
// operation claimed the VNF or why not.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';
import { ACCEPTED_UPDATE, type Acceptance } from '../contract.js';

export const acceptedUpdate = defineUpdate<Acceptance>(ACCEPTED_UPDATE);

export function answerAcceptance(): (a: Acceptance) => void {
  let answer: Acceptance | undefined;
  setHandler(acceptedUpdate, async () => {
    await condition(() => answer !== undefined);
    return answer!;
  });
  return (a) => {
    answer = a;
  };
}
