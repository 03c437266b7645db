// JSON replies written straight to a Node response, for the handlers that answer before (or
// instead of) firebase-tools' express app.
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** The Cloud Storage JSON API's error shape, `{"error": {"code", "message"}}`. */
export function sendJsonError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { code: status, message } });
}
