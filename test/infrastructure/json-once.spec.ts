import assert from 'node:assert/strict';
import { jsonOnce, JsonText } from '../../src/infrastructure/http/answer.js';

describe('jsonOnce: an answer of a frozen document and a part, written out once', () => {
  const creator = { id: 'u-1', name: 'Ada' };
  let builds = 0;
  const answer = jsonOnce((document: { id: string; name: string }, part: { id: string; name: string } | null) => {
    builds++;
    return { ...document, createdBy: part };
  });
  beforeEach(() => (builds = 0));

  it('writes the answer as JSON text', () => {
    const text = answer(Object.freeze({ id: 'p-1', name: 'Mug' }), creator);
    assert.ok(text instanceof JsonText);
    assert.deepEqual(JSON.parse(text.text), { id: 'p-1', name: 'Mug', createdBy: creator });
  });

  it('gives the text it wrote while the frozen document and the part are the same objects', () => {
    const document = Object.freeze({ id: 'p-1', name: 'Mug' });
    const first = answer(document, creator);
    assert.equal(answer(document, creator), first);
    assert.equal(builds, 1);
  });

  it('writes it anew for another document or another part, even an equal one', () => {
    const document = Object.freeze({ id: 'p-1', name: 'Mug' });
    answer(document, creator);
    answer(Object.freeze({ id: 'p-1', name: 'Mug' }), creator);
    answer(document, { ...creator });
    answer(document, null);
    assert.equal(builds, 4);
  });

  it('keeps nothing for a document that is not frozen (it could change under the text)', () => {
    const document = { id: 'p-1', name: 'Mug' };
    answer(document, creator);
    document.name = 'Cup';
    assert.deepEqual(JSON.parse(answer(document, creator).text).name, 'Cup');
    assert.equal(builds, 2);
  });
});
