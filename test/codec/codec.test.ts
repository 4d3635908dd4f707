import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  CodecRequestError,
  createDataConverter,
  createKeyring,
  decodePayloadsJson,
  encodePayloadsJson,
  EncryptionCodec,
  failureConverterPath,
  generateKey,
  keyIdOf,
  keyringFromEnv,
  PayloadDecryptionError,
} from '../../src/codec';

const utf8 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const key = () => randomBytes(32);
const sensitive = { email: 'jane.doe@example.com', text: 'the secret plan' };

function assertNoClearText(payloads: Payload[], ...needles: string[]): void {
  for (const p of payloads) {
    const bytes = Buffer.concat([p.data ?? new Uint8Array(), ...Object.values(p.metadata ?? {})]);
    for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `'${needle}' in clear`);
  }
}

describe('EncryptionCodec', () => {
  it('round-trips payloads, hiding data and original metadata', async () => {
    const codec = new EncryptionCodec(createKeyring(key()));
    const payloads = [defaultPayloadConverter.toPayload(sensitive), defaultPayloadConverter.toPayload(null), defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3]))];
    const encoded = await codec.encode(payloads);
    assert.equal(encoded.length, 3);
    for (const p of encoded) {
      assert.deepEqual(Object.keys(p.metadata ?? {}).sort(), ['encoding', 'encryption-key-id']);
      assert.equal(utf8(p.metadata?.encoding), 'binary/encrypted');
      assert.equal(utf8(p.metadata?.['encryption-key-id']), codec.currentKeyId);
    }
    assertNoClearText(encoded, sensitive.email, sensitive.text, 'json/plain');
    const decoded = await codec.decode(encoded);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded[0]!), sensitive);
    assert.equal(defaultPayloadConverter.fromPayload(decoded[1]!), null);
    assert.deepEqual([...defaultPayloadConverter.fromPayload<Uint8Array>(decoded[2]!)], [1, 2, 3]);
    assert.deepEqual(await codec.encode([]), []);
  });

  it('uses a fresh IV per payload', async () => {
    const codec = new EncryptionCodec(createKeyring(key()));
    const [a, b] = await codec.encode([defaultPayloadConverter.toPayload('same'), defaultPayloadConverter.toPayload('same')]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
  });

  it('passes through payloads that are not encrypted', async () => {
    const codec = new EncryptionCodec(createKeyring(key()));
    const plain = defaultPayloadConverter.toPayload(sensitive);
    const [decoded] = await codec.decode([plain]);
    assert.equal(decoded, plain);
  });

  it('names an unknown key id clearly', async () => {
    const encoded = await new EncryptionCodec(createKeyring(key())).encode([defaultPayloadConverter.toPayload(sensitive)]);
    const unknownId = utf8(encoded[0]!.metadata!['encryption-key-id']);
    const other = new EncryptionCodec(createKeyring(key()));
    await assert.rejects(other.decode(encoded), (error: unknown) => {
      assert.ok(error instanceof PayloadDecryptionError);
      assert.equal(error.code, 'UNKNOWN_KEY_ID');
      assert.equal(error.keyId, unknownId);
      assert.match(error.message, new RegExp(`encryption key id '${unknownId}' is not in the keyring .*PAYLOAD_ENCRYPTION_OLD_KEYS`));
      return true;
    });
  });

  it('rejects tampered ciphertext', async () => {
    const codec = new EncryptionCodec(createKeyring(key()));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(sensitive)]);
    const data = Buffer.from(encoded!.data!);
    data[20]! ^= 1;
    await assert.rejects(codec.decode([{ ...encoded!, data }]), { code: 'AUTHENTICATION_FAILED' });
    await assert.rejects(codec.decode([{ ...encoded!, data: data.subarray(0, 5) }]), { code: 'MALFORMED' });
  });

  it('rotates: new payloads use the new key, old ones still decode with the old key kept', async () => {
    const oldKey = key();
    const newKey = key();
    const before = new EncryptionCodec(createKeyring(oldKey));
    const written = await before.encode([defaultPayloadConverter.toPayload(sensitive)]);

    const after = new EncryptionCodec(keyringFromEnv({ PAYLOAD_ENCRYPTION_KEY: newKey.toString('base64'), PAYLOAD_ENCRYPTION_OLD_KEYS: ` ${generateKey()},${oldKey.toString('base64')} ` })!);
    assert.equal(after.currentKeyId, keyIdOf(newKey));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await after.decode(written))[0]!), sensitive);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('new')]);
    assert.equal(utf8(fresh!.metadata!['encryption-key-id']), keyIdOf(newKey));
    // Once the old key is dropped, old history can no longer be read, and the error says which key is missing.
    const dropped = new EncryptionCodec(createKeyring(newKey));
    await assert.rejects(dropped.decode(written), new RegExp(keyIdOf(oldKey)));
  });
});

describe('configuration', () => {
  it('createDataConverter is empty without a key and encrypts with one', async () => {
    assert.deepEqual(createDataConverter({}), {});
    assert.deepEqual(createDataConverter({ PAYLOAD_ENCRYPTION_KEY: '' }), {});
    const converter = createDataConverter({ PAYLOAD_ENCRYPTION_KEY: generateKey() });
    assert.equal(converter.payloadCodecs?.length, 1);
    assert.ok(converter.payloadCodecs![0] instanceof EncryptionCodec);
    assert.equal(converter.failureConverterPath, failureConverterPath);
    // The module loads and exports what the SDK looks for.
    const loaded = (await import(failureConverterPath)) as { failureConverter?: { options?: { encodeCommonAttributes?: boolean } } };
    assert.equal(loaded.failureConverter?.options?.encodeCommonAttributes, true);
  });

  it('keyringFromEnv validates keys and names the variable', () => {
    assert.equal(keyringFromEnv({}), undefined);
    assert.throws(() => keyringFromEnv({ PAYLOAD_ENCRYPTION_KEY: 'abc' }), /PAYLOAD_ENCRYPTION_KEY must be base64 of exactly 32 random bytes/);
    assert.throws(() => keyringFromEnv({ PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(31).toString('base64') }), /PAYLOAD_ENCRYPTION_KEY .*decodes to 31 bytes/);
    assert.throws(() => keyringFromEnv({ PAYLOAD_ENCRYPTION_KEY: generateKey(), PAYLOAD_ENCRYPTION_OLD_KEYS: `${generateKey()},nope` }), /PAYLOAD_ENCRYPTION_OLD_KEYS \(entry 2\) must be base64/);
    assert.throws(() => keyringFromEnv({ PAYLOAD_ENCRYPTION_OLD_KEYS: generateKey() }), /PAYLOAD_ENCRYPTION_OLD_KEYS is set but PAYLOAD_ENCRYPTION_KEY is not/);
    const k = generateKey();
    assert.equal(keyringFromEnv({ PAYLOAD_ENCRYPTION_KEY: k })?.current.id, keyIdOf(Buffer.from(k, 'base64')));
    assert.equal(Buffer.from(generateKey(), 'base64').length, 32);
  });
});

describe('codec server handlers', () => {
  const codec = new EncryptionCodec(createKeyring(key()));
  const asJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  });

  it('encode then decode through the JSON shape the UI and CLI use', async () => {
    const body = { payloads: [asJson(defaultPayloadConverter.toPayload(sensitive)), asJson(defaultPayloadConverter.toPayload(null))] };
    const encoded = await encodePayloadsJson(body, codec);
    assert.equal(encoded.payloads.length, 2);
    assert.equal(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    assert.ok(!JSON.stringify(encoded).includes(Buffer.from(JSON.stringify(sensitive)).toString('base64')));
    const decoded = await decodePayloadsJson(JSON.parse(JSON.stringify(encoded)), codec);
    assert.deepEqual(decoded, body);
    // A string body (unparsed by the HTTP layer) works too.
    assert.deepEqual(await decodePayloadsJson(JSON.stringify(encoded), codec), body);
    // Unencrypted payloads pass through decode.
    assert.deepEqual(await decodePayloadsJson(body, codec), body);
    assert.deepEqual(await decodePayloadsJson({ payloads: [] }, codec), { payloads: [] });
  });

  it('rejects bad bodies with a 400 error that says what is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /body: /],
      ['{not json', /body is not valid JSON/],
      [{}, /payloads: /],
      [{ payloads: 'x' }, /payloads: /],
      [{ payloads: [{ metadata: { encoding: 'not base64!' }, data: '' }] }, /payloads\.0\.metadata\.encoding: must be base64/],
      [{ payloads: [{ metadata: {}, data: 42 }] }, /payloads\.0\.data: /],
    ];
    for (const [body, pattern] of cases) {
      for (const handler of [encodePayloadsJson, decodePayloadsJson]) {
        await assert.rejects(handler(body, codec), (error: unknown) => {
          assert.ok(error instanceof CodecRequestError, String(error));
          assert.equal(error.statusCode, 400);
          assert.match(error.message, /^Invalid codec request: /);
          assert.match(error.message, pattern);
          return true;
        });
      }
    }
  });

  it('surfaces an unknown key id from decode', async () => {
    const foreign = await encodePayloadsJson({ payloads: [asJson(defaultPayloadConverter.toPayload(1))] }, new EncryptionCodec(createKeyring(key())));
    await assert.rejects(decodePayloadsJson(foreign, codec), PayloadDecryptionError);
  });
});
