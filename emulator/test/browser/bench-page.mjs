// The page of bench/suites/firestore-browser.mjs: the full browser SDK (WebChannel) and
// firebase/firestore/lite (REST), handed to the suite, which drives them with page.evaluate.
/* global window */
import { initializeApp, deleteApp } from 'firebase/app';
import * as firestore from 'firebase/firestore';
import * as lite from 'firebase/firestore/lite';

window.fb = { initializeApp, deleteApp, firestore, lite };
window.pageReady = true;
