// The WebChannel wire format (closure-library goog.labs.net.webchannel, version 8), as the
// Firestore web SDK speaks it. Message by message, with sources: ../../README.md "WebChannel".

/** The channel version this server speaks (the client's VER=8, webchannelbase.js). */
export const CHANNEL_VERSION = 8;

/**
 * One length-prefixed chunk: the data's length, a newline, the data (channelrequest.js
 * getNextChunk_). The length counts UTF-16 code units, as the client measures its responseText.
 */
export function chunk(data: string): string {
  return `${data.length}\n${data}`;
}

/** One forward-channel message: its map id and the JSON the client sent. */
export interface ForwardMap {
  id: number;
  /** The `__data__` JSON (sendRawJson), or the map's own keys when it was sent as a map. */
  message: unknown;
}

export interface ForwardBody {
  /** `headers=`: the init message headers (encodeInitMessageHeaders), "Key:Value\r\n"... */
  headers: Record<string, string>;
  maps: ForwardMap[];
}

/** "Key:Value\r\nKey2:Value2\r\n" (httpcors.js generateHttpHeadersOverwriteParam). */
export function parseHeaderBlock(text: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

export class WireError extends Error {}

/**
 * A forward-channel body, `count=N&ofs=K&req0___data__=...&req1___data__=...`
 * (wirev8.js encodeMessageQueue): map i has id ofs+i. Each `reqI_KEY=VALUE` is one key of map
 * i; with sendRawJson the only key is `__data__`, the message's JSON.
 */
export function parseForwardBody(body: string): ForwardBody {
  const params = new URLSearchParams(body);
  const headers = parseHeaderBlock(params.get('headers'));
  const countText = params.get('count');
  const count = countText === null ? 0 : Number(countText);
  const ofs = Number(params.get('ofs') ?? '0');
  if (!Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(ofs) || ofs < 0) {
    throw new WireError(`Bad count/ofs: count=${countText} ofs=${params.get('ofs')}`);
  }
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    const m = /^req(\d+)_(.+)$/.exec(key);
    if (!m) continue;
    const i = Number(m[1]);
    if (i >= count) throw new WireError(`Map req${i} beyond count=${count}`);
    // No prototype: a key such as `__proto__` is just a key.
    const map = byIndex.get(i) ?? (Object.create(null) as Record<string, string>);
    map[m[2]] = value;
    byIndex.set(i, map);
  }
  const maps: ForwardMap[] = [];
  for (let i = 0; i < count; i++) {
    const map = byIndex.get(i);
    if (!map) throw new WireError(`Map req${i} missing (count=${count})`);
    if (map.type === '_badmap') throw new WireError(`The client could not encode map ${ofs + i}`);
    let message: unknown = map;
    if ('__data__' in map) {
      try {
        message = JSON.parse(map.__data__);
      } catch {
        throw new WireError(`Map ${ofs + i}: __data__ is not JSON`);
      }
    }
    maps.push({ id: ofs + i, message });
  }
  return { headers, maps };
}
