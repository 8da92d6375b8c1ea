#!/usr/bin/env node
// `npm run bench:wire`: bytes on the wire per delivery for the SDK's JSON and protobuf builds,
// without and with fossil delta (lib/wire-bytes.mjs).
import { parseArgs } from 'node:util';
import { measureWireBytes, wireBytesLines } from './lib/wire-bytes.mjs';

const { values } = parseArgs({ options: { publications: { type: 'string', default: '300' } }, strict: true });
console.log(wireBytesLines(await measureWireBytes(Number(values.publications))).join('\n'));
