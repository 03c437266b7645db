// What the bundled pages put on `window`, as the tests' page.evaluate callbacks see it.
import type { deleteApp, initializeApp } from 'firebase/app';
import type * as firestore from 'firebase/firestore';

export interface WebChannelPage {
  fb: {
    initializeApp: typeof initializeApp;
    deleteApp: typeof deleteApp;
    firestore: typeof firestore;
  };
  pageReady?: boolean;
  /** Whatever a test keeps between evaluate calls. */
  t: Record<string, unknown>;
}
