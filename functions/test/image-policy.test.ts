// The failure policy of image imports (domain/imageImportPolicy.ts), pure: what a failed
// attempt leaves on the item and whether the event is tried again.
import { strict as assert } from 'node:assert';
import { importFailureOutcome, INTERNAL_FAILURE_REASON } from '../src/domain/imageImportPolicy';

describe('image import: failure policy', () => {
  const timeout = {
    kind: 'timeout',
    reason: 'The download did not finish within 30 s.',
    retryable: true,
  };
  const port = {
    kind: 'refused_port',
    reason: 'The image URL uses port 8080 of 93.184.216.34.',
    retryable: false,
  };

  it('a failure that will not heal stops at the first attempt, in its own words', () => {
    assert.deepEqual(importFailureOutcome(port, 1, 5), { final: true, message: port.reason });
  });

  it('one that may heal is tried again until the last attempt, which says it gave up', () => {
    assert.deepEqual(importFailureOutcome(timeout, 1, 5), {
      final: false,
      message: 'The download did not finish within 30 s. Trying again (attempt 1 of 5).',
    });
    assert.equal(importFailureOutcome(timeout, 4, 5).final, false);
    assert.deepEqual(importFailureOutcome(timeout, 5, 5), {
      final: true,
      message: 'The download did not finish within 30 s. Gave up after 5 attempts.',
    });
    const internal = { kind: 'internal', reason: INTERNAL_FAILURE_REASON, retryable: true };
    assert.match(importFailureOutcome(internal, 2, 2).message, /internal error\. Gave up after 2/);
  });
});
