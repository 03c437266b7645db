// `receiver.name(args)`: finds the receiver type's method table and calls the method.
import { fail } from '../coerce';
import {
  RDuration,
  RLatLng,
  RMap,
  RMapDiff,
  RPartialList,
  RPath,
  RSet,
  RTimestamp,
  isBytes,
  isList,
  typeOf,
  type RValue,
} from '../values';
import { LIST_METHODS, PARTIAL_LIST_METHODS } from './lists';
import { MAP_DIFF_METHODS, MAP_METHODS } from './maps';
import { BYTES_METHODS, LATLNG_METHODS, PATH_METHODS } from './others';
import { SET_METHODS } from './sets';
import { STRING_METHODS } from './strings';
import { NOT_FOUND, callFrom } from './table';
import { DURATION_METHODS, TIMESTAMP_METHODS } from './timestamps';

export { partialHas } from './lists';

function dispatch(v: RValue, name: string, args: RValue[], m: string): RValue | typeof NOT_FOUND {
  if (typeof v === 'string') return callFrom(STRING_METHODS, v, name, args, m);
  if (isList(v)) return callFrom(LIST_METHODS, v, name, args, m);
  if (v instanceof RPartialList) return callFrom(PARTIAL_LIST_METHODS, v, name, args, m);
  if (v instanceof RSet) return callFrom(SET_METHODS, v, name, args, m);
  if (v instanceof RMap) return callFrom(MAP_METHODS, v, name, args, m);
  if (v instanceof RMapDiff) return callFrom(MAP_DIFF_METHODS, v, name, args, m);
  if (isBytes(v)) return callFrom(BYTES_METHODS, v, name, args, m);
  if (v instanceof RTimestamp) return callFrom(TIMESTAMP_METHODS, v, name, args, m);
  if (v instanceof RDuration) return callFrom(DURATION_METHODS, v, name, args, m);
  if (v instanceof RLatLng) return callFrom(LATLNG_METHODS, v, name, args, m);
  if (v instanceof RPath) return callFrom(PATH_METHODS, v, name, args, m);
  return NOT_FOUND;
}

/** Calls method `name` on `v` with already evaluated arguments. */
export function callMethod(v: RValue, name: string, args: RValue[]): RValue {
  if (v === null) fail(`Null value error: cannot call ${name}() on null`);
  const result = dispatch(v, name, args, `${typeOf(v)}.${name}`);
  if (result !== NOT_FOUND) return result;
  return fail(`Function not found error: Name: [${name}] on ${typeOf(v)}`);
}
