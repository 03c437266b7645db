// The rules language's built-in functions, global (`get`, `int`, …) and namespaced
// (`math.abs`, `duration.value`, …), each with the number of arguments it takes. A call is
// looked up by name first (an unknown name is "not found"), then its argument count checked.
import { asInt, asNumber, asPath, asString, checkArity, fail, parsePath } from './coerce';
import { crc32, crc32cOf, digest } from './hashing';
import type { EvalHooks, RequestBudget } from './hooks';
import { DURATION_UNITS } from './time';
import {
  RDuration,
  RLatLng,
  RPath,
  RTimestamp,
  checkInt,
  show,
  typeOf,
  type RValue,
} from './values';

/** What a built-in may reach: the request's hooks (documents, debug) and its access budget. */
export interface BuiltinContext {
  hooks: EvalHooks;
  budget: RequestBudget;
}

export interface Builtin {
  /** How many arguments it takes (every built-in takes a fixed number). */
  arity: number;
  call(args: RValue[], ctx: BuiltinContext): RValue;
}

/** `get`, `exists`, `getAfter`, `existsAfter`: a document as the request finds or leaves it. */
function documentAccess(name: string, after: boolean, exists: boolean): Builtin {
  return {
    arity: 1,
    call(args, { hooks, budget }) {
      const path = asPath(args[0]);
      if (!hooks.document) fail(`Function ${name} is not available here`);
      budget.charge(`${after ? 'after' : 'before'}:${path.toString()}`);
      const doc = hooks.document(path, after);
      return exists ? doc !== null : doc;
    },
  };
}

/** Storage rules' `firestore.get` and `firestore.exists`. */
function firestoreAccess(exists: boolean): Builtin {
  const full = exists ? 'firestore.exists' : 'firestore.get';
  return {
    arity: 1,
    call(args, { hooks, budget }) {
      if (!hooks.firestoreDocument) fail(`${full} is only available in Storage rules`);
      const path = asPath(args[0]);
      budget.charge(`firestore:${path.toString()}`);
      const doc = hooks.firestoreDocument(path);
      return exists ? doc !== null : doc;
    },
  };
}

/** `math.ceil`, `math.floor`, `math.round` (half away from zero): an int. */
function rounding(name: 'ceil' | 'floor' | 'round'): Builtin {
  return {
    arity: 1,
    call(args) {
      const x = asNumber(args[0]);
      if (!Number.isFinite(x)) fail(`math.${name} of a non-finite number`);
      const f =
        name === 'ceil'
          ? Math.ceil(x)
          : name === 'floor'
            ? Math.floor(x)
            : Math.sign(x) * Math.round(Math.abs(x));
      return checkInt(BigInt(f));
    },
  };
}

/** One argument, no access to the request. */
function unary(call: (v: RValue) => RValue): Builtin {
  return { arity: 1, call: (args) => call(args[0]) };
}

const GLOBALS: Record<string, Builtin> = {
  get: documentAccess('get', false, false),
  exists: documentAccess('exists', false, true),
  getAfter: documentAccess('getAfter', true, false),
  existsAfter: documentAccess('existsAfter', true, true),
  debug: {
    arity: 1,
    call(args, { hooks }) {
      hooks.debug?.(show(args[0]));
      return args[0];
    },
  },
  int: unary((v) => {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail('Cannot convert a non-finite float to int');
      return checkInt(BigInt(Math.trunc(v)));
    }
    if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return checkInt(BigInt(v.trim()));
    return fail(`Cannot convert ${show(v)} to int`);
  }),
  float: unary((v) => {
    if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    return fail(`Cannot convert ${show(v)} to float`);
  }),
  string: unary((v) => {
    if (typeof v === 'string') return v;
    if (v === null || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
    if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(1) : String(v);
    if (v instanceof RPath) return v.toString();
    return fail(`Cannot convert ${typeOf(v)} to string`);
  }),
  path: unary((v) => parsePath(asString(v))),
};

const NAMESPACED: Record<string, Builtin> = {
  'math.abs': unary((v) => {
    if (typeof v === 'bigint') return checkInt(v < 0n ? -v : v);
    return Math.abs(asNumber(v));
  }),
  'math.ceil': rounding('ceil'),
  'math.floor': rounding('floor'),
  'math.round': rounding('round'),
  'math.sqrt': unary((v) => Math.sqrt(asNumber(v))),
  'math.pow': { arity: 2, call: (args) => Math.pow(asNumber(args[0]), asNumber(args[1])) },
  'math.isInfinite': unary((v) => Math.abs(asNumber(v)) === Infinity),
  'math.isNaN': unary((v) => Number.isNaN(asNumber(v))),
  'timestamp.date': {
    arity: 3,
    call(args) {
      const [y, m, d] = args.map((a) => Number(asInt(a)));
      return new RTimestamp(BigInt(Date.UTC(y, m - 1, d)) * 1_000_000n);
    },
  },
  'timestamp.value': unary((v) => new RTimestamp(asInt(v) * 1_000_000n)),
  'duration.value': {
    arity: 2,
    call(args) {
      const unit = DURATION_UNITS[asString(args[1])];
      if (unit === undefined) fail(`Unknown duration unit: ${show(args[1])}`);
      return new RDuration(asInt(args[0]) * unit);
    },
  },
  'duration.time': {
    arity: 4,
    call(args) {
      const [h, m, s, ns] = args.map((a) => asInt(a));
      return new RDuration(h * DURATION_UNITS.h + m * DURATION_UNITS.m + s * DURATION_UNITS.s + ns);
    },
  },
  'duration.abs': unary((d) => {
    if (!(d instanceof RDuration)) return fail('duration.abs needs a duration');
    return new RDuration(d.nanos < 0n ? -d.nanos : d.nanos);
  }),
  'latlng.value': {
    arity: 2,
    call(args) {
      const lat = asNumber(args[0]);
      const lng = asNumber(args[1]);
      if (Math.abs(lat) > 90 || Math.abs(lng) > 180) fail('Latitude or longitude out of range');
      return new RLatLng(lat, lng);
    },
  },
  'hashing.crc32': unary(crc32),
  'hashing.crc32c': unary(crc32cOf),
  'hashing.md5': unary((v) => digest('md5', v)),
  'hashing.sha256': unary((v) => digest('sha256', v)),
  'firestore.get': firestoreAccess(false),
  'firestore.exists': firestoreAccess(true),
};

// Maps, not the objects themselves: a rules name such as `constructor` must not find
// Object.prototype's.
const GLOBAL_TABLE: ReadonlyMap<string, Builtin> = new Map(Object.entries(GLOBALS));
const NAMESPACED_TABLE: ReadonlyMap<string, Builtin> = new Map(Object.entries(NAMESPACED));

/** `math`, `timestamp`, …: the names before a dot that call a built-in, not a method. */
export const NAMESPACES: ReadonlySet<string> = new Set(
  [...NAMESPACED_TABLE.keys()].map((full) => full.slice(0, full.indexOf('.'))),
);

function invoke(
  table: ReadonlyMap<string, Builtin>,
  name: string,
  args: RValue[],
  ctx: BuiltinContext,
): RValue {
  const builtin = table.get(name);
  if (!builtin) return fail(`Function not found: ${name}`);
  checkArity(name, args, builtin.arity);
  return builtin.call(args, ctx);
}

/** A call of a global function that no user function shadows: `get(path)`, `int(x)`. */
export function callGlobal(name: string, args: RValue[], ctx: BuiltinContext): RValue {
  return invoke(GLOBAL_TABLE, name, args, ctx);
}

/** A call into a namespace: `math.abs(x)`, `firestore.get(path)`. */
export function callNamespaced(
  ns: string,
  name: string,
  args: RValue[],
  ctx: BuiltinContext,
): RValue {
  return invoke(NAMESPACED_TABLE, `${ns}.${name}`, args, ctx);
}
