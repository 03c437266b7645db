// Hand-written TypeScript shapes of the google.firestore.v1 messages as @grpc/proto-loader decodes
// them with LOADER_OPTIONS (proto.ts): 64-bit integers are decimal strings, enums are their names,
// bytes are Buffers, absent fields are absent, and every oneof has a virtual member naming the set
// field (e.g. `valueType: 'integerValue'`). When building responses the virtual oneof members may
// be omitted: the encoder only looks at the concrete fields.
import type { FindNearest } from './vector';

/** google.protobuf.Timestamp. `seconds` is an int64, hence a decimal string. */
export interface Timestamp {
  seconds: string;
  nanos: number;
}

/** google.type.LatLng */
export interface LatLng {
  latitude: number;
  longitude: number;
}

export interface ArrayValue {
  values?: Value[];
}

export interface MapValue {
  fields?: Record<string, Value>;
}

/** The names of the `value_type` oneof members. */
export type ValueType =
  | 'nullValue'
  | 'booleanValue'
  | 'integerValue'
  | 'doubleValue'
  | 'timestampValue'
  | 'stringValue'
  | 'bytesValue'
  | 'referenceValue'
  | 'geoPointValue'
  | 'arrayValue'
  | 'mapValue';

/**
 * google.firestore.v1.Value. Exactly one of the members is set; `valueType` names it when the
 * value was decoded from the wire (values built in code may leave it out, so readers should fall
 * back to checking which member is present — see values.ts helpers).
 */
export interface Value {
  valueType?: ValueType;
  /** google.protobuf.NullValue enum: always 'NULL_VALUE' (a number 0 is accepted when encoding). */
  nullValue?: 'NULL_VALUE' | 0;
  booleanValue?: boolean;
  /** int64 as a decimal string. */
  integerValue?: string;
  doubleValue?: number;
  timestampValue?: Timestamp;
  stringValue?: string;
  bytesValue?: Buffer | Uint8Array;
  referenceValue?: string;
  geoPointValue?: LatLng;
  arrayValue?: ArrayValue;
  mapValue?: MapValue;
}

/** google.firestore.v1.Document */
export interface Document {
  name: string;
  fields?: Record<string, Value>;
  createTime?: Timestamp;
  updateTime?: Timestamp;
}

export interface DocumentMask {
  fieldPaths?: string[];
}

export interface Precondition {
  conditionType?: 'exists' | 'updateTime';
  exists?: boolean;
  updateTime?: Timestamp;
}

export interface TransactionOptions {
  mode?: 'readOnly' | 'readWrite';
  readOnly?: { consistencySelector?: 'readTime'; readTime?: Timestamp };
  readWrite?: { retryTransaction?: Buffer };
}

export type ServerValue = 'SERVER_VALUE_UNSPECIFIED' | 'REQUEST_TIME';

export interface FieldTransform {
  fieldPath: string;
  transformType?:
    | 'setToServerValue'
    | 'increment'
    | 'maximum'
    | 'minimum'
    | 'appendMissingElements'
    | 'removeAllFromArray';
  setToServerValue?: ServerValue;
  increment?: Value;
  maximum?: Value;
  minimum?: Value;
  appendMissingElements?: ArrayValue;
  removeAllFromArray?: ArrayValue;
}

export interface DocumentTransform {
  document: string;
  fieldTransforms?: FieldTransform[];
}

/** google.firestore.v1.Write */
export interface Write {
  operation?: 'update' | 'delete' | 'transform';
  update?: Document;
  delete?: string;
  transform?: DocumentTransform;
  updateMask?: DocumentMask;
  updateTransforms?: FieldTransform[];
  currentDocument?: Precondition;
}

export interface WriteResult {
  updateTime?: Timestamp;
  transformResults?: Value[];
}

// ---- query.proto ----

export interface FieldReference {
  fieldPath: string;
}

export interface CollectionSelector {
  collectionId?: string;
  allDescendants?: boolean;
}

export type CompositeOperator = 'OPERATOR_UNSPECIFIED' | 'AND' | 'OR';

export interface CompositeFilter {
  op?: CompositeOperator;
  filters?: Filter[];
}

export type FieldOperator =
  | 'OPERATOR_UNSPECIFIED'
  | 'LESS_THAN'
  | 'LESS_THAN_OR_EQUAL'
  | 'GREATER_THAN'
  | 'GREATER_THAN_OR_EQUAL'
  | 'EQUAL'
  | 'NOT_EQUAL'
  | 'ARRAY_CONTAINS'
  | 'IN'
  | 'ARRAY_CONTAINS_ANY'
  | 'NOT_IN';

export interface FieldFilter {
  field?: FieldReference;
  op?: FieldOperator;
  value?: Value;
}

export type UnaryOperator =
  'OPERATOR_UNSPECIFIED' | 'IS_NAN' | 'IS_NULL' | 'IS_NOT_NAN' | 'IS_NOT_NULL';

export interface UnaryFilter {
  op?: UnaryOperator;
  operandType?: 'field';
  field?: FieldReference;
}

export interface Filter {
  filterType?: 'compositeFilter' | 'fieldFilter' | 'unaryFilter';
  compositeFilter?: CompositeFilter;
  fieldFilter?: FieldFilter;
  unaryFilter?: UnaryFilter;
}

export type Direction = 'DIRECTION_UNSPECIFIED' | 'ASCENDING' | 'DESCENDING';

export interface Order {
  field?: FieldReference;
  direction?: Direction;
}

export interface Projection {
  fields?: FieldReference[];
}

export interface Cursor {
  values?: Value[];
  before?: boolean;
}

/** google.protobuf.Int32Value / Int64Value wrappers (Int64 value is a decimal string). */
export interface Int32Value {
  value?: number;
}
export interface Int64Value {
  value?: string;
}

export interface StructuredQuery {
  select?: Projection;
  from?: CollectionSelector[];
  where?: Filter;
  orderBy?: Order[];
  startAt?: Cursor;
  endAt?: Cursor;
  offset?: number;
  limit?: Int32Value;
  /** Vector search (vector.ts). */
  findNearest?: FindNearest;
}

export interface Aggregation {
  operator?: 'count' | 'sum' | 'avg';
  count?: { upTo?: Int64Value };
  sum?: { field?: FieldReference };
  avg?: { field?: FieldReference };
  alias?: string;
}

export interface StructuredAggregationQuery {
  queryType?: 'structuredQuery';
  structuredQuery?: StructuredQuery;
  aggregations?: Aggregation[];
}

export interface AggregationResult {
  aggregateFields?: Record<string, Value>;
}

// ---- firestore.proto: Listen ----

export interface Target {
  targetType?: 'query' | 'documents';
  query?: { parent?: string; queryType?: 'structuredQuery'; structuredQuery?: StructuredQuery };
  documents?: { documents?: string[] };
  resumeType?: 'resumeToken' | 'readTime';
  resumeToken?: Buffer;
  readTime?: Timestamp;
  targetId?: number;
  once?: boolean;
  expectedCount?: Int32Value;
}

export interface ListenRequest {
  database?: string;
  targetChange?: 'addTarget' | 'removeTarget';
  addTarget?: Target;
  removeTarget?: number;
  labels?: Record<string, string>;
}

export type TargetChangeType = 'NO_CHANGE' | 'ADD' | 'REMOVE' | 'CURRENT' | 'RESET';

/** google.rpc.Status */
export interface RpcStatus {
  code?: number;
  message?: string;
  details?: unknown[];
}

export interface TargetChange {
  targetChangeType?: TargetChangeType;
  targetIds?: number[];
  cause?: RpcStatus;
  resumeToken?: Buffer;
  readTime?: Timestamp;
}

export interface ListenDocumentChange {
  document?: Document;
  targetIds?: number[];
  removedTargetIds?: number[];
}

export interface ListenDocumentDelete {
  document?: string;
  removedTargetIds?: number[];
  readTime?: Timestamp;
}

export interface ListenDocumentRemove {
  document?: string;
  removedTargetIds?: number[];
  readTime?: Timestamp;
}

export interface ExistenceFilter {
  targetId?: number;
  count?: number;
}

export interface ListenResponse {
  targetChange?: TargetChange;
  documentChange?: ListenDocumentChange;
  documentDelete?: ListenDocumentDelete;
  documentRemove?: ListenDocumentRemove;
  filter?: ExistenceFilter;
}
