// The page of webchannel.test.ts: the Firebase JS SDK's browser build (WebChannel for Listen and
// Write, fetch/XHR for the rest), handed to the test, which drives it with page.evaluate.
/* global window */
import { initializeApp, deleteApp } from 'firebase/app';
import * as firestore from 'firebase/firestore';

window.fb = { initializeApp, deleteApp, firestore };
window.pageReady = true;
