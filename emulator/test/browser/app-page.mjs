// The page of browser.test.ts: what a web app of this project does against `npm start`, with the
// Firebase JS SDK's browser builds (bundled by the test with esbuild). Each step is written into
// the page (for the screenshot) and into window.results (for the test, which asserts each).
// The test passes the stack's ports and the account in the query string.
/* global window, document */
import { initializeApp } from 'firebase/app';
import {
  connectAuthEmulator,
  inMemoryPersistence,
  initializeAuth,
  signInWithEmailAndPassword,
} from 'firebase/auth';
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getCountFromServer,
  getDocs,
  initializeFirestore,
  onSnapshot,
  query,
  runTransaction,
  serverTimestamp,
  setDoc,
  where,
} from 'firebase/firestore';
import * as lite from 'firebase/firestore/lite';
import {
  connectStorageEmulator,
  getBytes,
  getDownloadURL,
  getStorage,
  ref,
  uploadBytes,
  uploadBytesResumable,
} from 'firebase/storage';

const params = new URLSearchParams(window.location.search);
const cfg = Object.fromEntries(params.entries());
const results = [];
window.results = results;

function show(step, ok, detail) {
  results.push({ step, ok, detail });
  const li = document.createElement('li');
  li.className = ok ? 'ok' : 'fail';
  li.textContent = `${ok ? '✔' : '✘'} ${step}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`;
  document.getElementById('results').appendChild(li);
}

async function step(name, fn) {
  try {
    show(name, true, await fn());
  } catch (e) {
    show(name, false, `${e.code ?? e.name}: ${e.message}`);
  }
}

const errorCode = (e) => e.code ?? String(e);

async function main() {
  const app = initializeApp({
    apiKey: 'fake-api-key',
    projectId: cfg.project,
    storageBucket: cfg.bucket,
    appId: 'web-test',
  });
  const auth = initializeAuth(app, { persistence: inMemoryPersistence });
  connectAuthEmulator(auth, `http://127.0.0.1:${cfg.authPort}`, { disableWarnings: true });
  const db = initializeFirestore(app, {
    experimentalForceLongPolling: cfg.longPolling === '1',
  });
  connectFirestoreEmulator(db, '127.0.0.1', Number(cfg.firestorePort));
  const storage = getStorage(app);
  connectStorageEmulator(storage, '127.0.0.1', Number(cfg.storagePort));
  const equipment = `organizations/${cfg.orgId}/equipment`;
  const assetId = cfg.assetId;
  let uid = '';

  await step('sign-in', async () => {
    const cred = await signInWithEmailAndPassword(auth, cfg.email, cfg.password);
    uid = cred.user.uid;
    return { email: cred.user.email, uid };
  });

  await step('getDocs where', async () => {
    const snap = await getDocs(query(collection(db, equipment), where('category', '==', 'CAMERA')));
    return { names: snap.docs.map((d) => d.get('name')).sort() };
  });

  const item = {
    name: 'Browser camera',
    category: 'CAMERA',
    createdBy: uid,
    createdAt: serverTimestamp(),
    updatedAt: serverTimestamp(),
    source: 'client',
  };
  await step('setDoc allowed', async () => {
    await setDoc(doc(db, equipment, assetId), item);
    return { assetId };
  });

  await step('setDoc refused', async () => {
    // qrCodeUrl is the trigger's to write: the rules refuse it from a client.
    const refused = await setDoc(doc(db, equipment, `${assetId}-forged`), {
      ...item,
      qrCodeUrl: 'https://example.com/forged.png',
    }).then(
      () => 'accepted',
      (e) => errorCode(e),
    );
    return { refused };
  });

  await step('onSnapshot QR code', async () => {
    const qrCodeUrl = await new Promise((resolve, reject) => {
      const off = onSnapshot(
        doc(db, equipment, assetId),
        (s) => {
          const url = s.get('qrCodeUrl');
          if (url) {
            off();
            resolve(url);
          }
        },
        reject,
      );
    });
    // The code itself, as the app would show it (a plain image load from the Storage emulator).
    const img = document.createElement('img');
    img.src = qrCodeUrl;
    img.width = 160;
    img.alt = 'QR code';
    document.body.appendChild(img);
    await img.decode();
    return { qrCodeUrl };
  });

  await step('runTransaction', async () => {
    const notes = await runTransaction(db, async (tx) => {
      const snap = await tx.get(doc(db, equipment, assetId));
      const next = `${snap.get('name')} checked in a transaction`;
      // An update stamps who made it (firestore.rules; docs/events.md#actors).
      tx.update(doc(db, equipment, assetId), {
        notes: next,
        updatedAt: serverTimestamp(),
        updatedBy: uid,
        updatedVia: 'client',
      });
      return next;
    });
    return { notes };
  });

  await step('getCountFromServer', async () => {
    const count = await getCountFromServer(
      query(collection(db, equipment), where('category', '==', 'CAMERA')),
    );
    return { count: count.data().count };
  });

  await step('Storage upload and download', async () => {
    const bytes = new TextEncoder().encode(`\u0089PNG browser photo ${assetId}`);
    const photo = ref(storage, `${equipment}/${assetId}/photos/front.png`);
    const up = await uploadBytes(photo, bytes, { contentType: 'image/png' });
    const back = new Uint8Array(await getBytes(photo));
    // The resumable protocol too (x-goog-upload-* headers, read cross-origin), and a plain
    // fetch of the download URL, as an <img> or a download link would use it.
    const side = ref(storage, `${equipment}/${assetId}/photos/side.png`);
    const resumable = await uploadBytesResumable(side, bytes, { contentType: 'image/png' });
    const fetched = new Uint8Array(await (await fetch(await getDownloadURL(side))).arrayBuffer());
    const same = (x) => x.length === bytes.length && x.every((b, i) => b === bytes[i]);
    return {
      size: up.metadata.size,
      contentType: up.metadata.contentType,
      same: same(back),
      resumableSize: resumable.metadata.size,
      downloadUrlSame: same(fetched),
    };
  });

  await step('lite reads and writes', async () => {
    const ldb = lite.getFirestore(app);
    lite.connectFirestoreEmulator(ldb, '127.0.0.1', Number(cfg.firestorePort));
    const got = await lite.getDoc(lite.doc(ldb, equipment, assetId));
    const list = await lite.getDocs(
      lite.query(lite.collection(ldb, equipment), lite.where('category', '==', 'CAMERA')),
    );
    await lite.updateDoc(lite.doc(ldb, equipment, assetId), {
      notes: 'written by firebase/firestore/lite',
      updatedAt: lite.serverTimestamp(),
      updatedBy: uid,
      updatedVia: 'client',
    });
    const after = await lite.getDoc(lite.doc(ldb, equipment, assetId));
    const refused = await lite
      .updateDoc(lite.doc(ldb, equipment, assetId), { qrCodeUrl: 'https://example.com/x.png' })
      .then(
        () => 'accepted',
        (e) => errorCode(e),
      );
    return {
      name: got.get('name'),
      listed: list.size,
      notes: after.get('notes'),
      refused,
    };
  });

  window.done = true;
}

main().catch((e) => {
  show('page', false, String(e));
  window.done = true;
});
