// Methods of bytes, latlngs and paths.
import { asMap, asString, fail } from '../coerce';
import { RLatLng, RPath } from '../values';
import { getter, methodsOf, unary } from './table';

export const BYTES_METHODS = methodsOf<Uint8Array>(
  {
    size: getter((b) => BigInt(b.length)),
    toBase64: getter((b) => Buffer.from(b).toString('base64')),
    toHexString: getter((b) => Buffer.from(b).toString('hex').toUpperCase()),
  },
  { arityFirst: 0 },
);

/** Great-circle distance in metres on a sphere of the Earth's mean radius. */
function haversineMeters(a: RLatLng, b: RLatLng): number {
  const R = 6_371_008.8;
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

export const LATLNG_METHODS = methodsOf<RLatLng>({
  latitude: { call: (p) => p.lat },
  longitude: { call: (p) => p.lng },
  distance: unary((p, other) => {
    if (!(other instanceof RLatLng)) fail('distance() needs a latlng');
    return haversineMeters(p, other);
  }),
});

export const PATH_METHODS = methodsOf<RPath>({
  /** Replaces each `{name}` segment with `bindings[name]`, if given. */
  bind: unary((p, arg) => {
    const bindings = asMap(arg);
    return new RPath(
      p.segments.map((s) => {
        const w = /^\{(\w+)\}$/.exec(s);
        const b = w ? bindings.entries.get(w[1]) : undefined;
        return b === undefined ? s : asString(b);
      }),
    );
  }),
});
