// Public surface of the OpenTrain client: import from 'src/opentrain', not from the files inside.
export * from './client';
export * from './errors';
export * from './schemas';
export * from './redact';
export * from './readers';
