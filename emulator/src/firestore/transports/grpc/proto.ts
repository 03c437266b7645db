// Loads the Firestore v1 protos that ship inside @google-cloud/firestore, so the server speaks
// exactly the wire format of the SDK version installed next to it.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Decoding options shared by every part of the emulator. With these, a decoded message is a
 * plain object: 64-bit integers are decimal strings, enums are their names, absent fields are
 * absent (not defaulted), and each oneof names its set member (for example
 * `value.valueType === 'integerValue'`). Field names are lowerCamelCase.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

function protoRoot(): string {
  const pkgJson = require.resolve('@google-cloud/firestore/package.json');
  return path.join(path.dirname(pkgJson), 'build', 'protos');
}

let cached: grpc.GrpcObject | undefined;

/** The loaded `google.firestore.v1` package definition (loaded once per process). */
export function loadFirestoreProtos(): grpc.GrpcObject {
  if (!cached) {
    const root = protoRoot();
    const definition = protoLoader.loadSync('google/firestore/v1/firestore.proto', {
      ...LOADER_OPTIONS,
      includeDirs: [root],
    });
    cached = grpc.loadPackageDefinition(definition);
  }
  return cached;
}

/** The service definition of `google.firestore.v1.Firestore`, ready for `server.addService`. */
export function firestoreServiceDefinition(): grpc.ServiceDefinition {
  const google = loadFirestoreProtos().google as grpc.GrpcObject;
  const firestore = google.firestore as grpc.GrpcObject;
  const v1 = firestore.v1 as grpc.GrpcObject;
  const service = v1.Firestore as grpc.ServiceClientConstructor;
  return service.service;
}
