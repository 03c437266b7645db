// For suites that test query semantics, not indexes: turns the emulator's index checks off for
// one project's (default) database only (PUT .../indexConfig, see
// src/firestore/indexes/README.md), so every other project, the product's included, stays
// checked against firestore.indexes.json.
export async function indexChecksOff(host: string, projectId: string): Promise<void> {
  const url = `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/indexConfig`;
  const res = await fetch(url, { method: 'PUT', body: JSON.stringify({ checks: false }) });
  if (!res.ok) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
}
