// Every Firestore path of the organisation data, in one place: the contract with client apps
// (docs/data-model.md). Ids are validated before they get here.
import type { CollectionReference, DocumentReference } from 'firebase-admin/firestore';
import { db } from './firebase';

export const ORGS = 'organizations';

export const orgRef = (orgId: string): DocumentReference => db().collection(ORGS).doc(orgId);
export const membersRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('members');
export const memberRef = (orgId: string, uid: string): DocumentReference =>
  membersRef(orgId).doc(uid);
export const apiKeysRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('apiKeys');
export const locationsRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('locations');
export const equipmentRef = (orgId: string): CollectionReference =>
  orgRef(orgId).collection('equipment');
