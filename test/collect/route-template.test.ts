import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouteTemplateCache, routeTemplate } from '../../src/collect/route-template.js';

describe('routeTemplate', () => {
  it('folds numeric, uuid and long hex segments into :id and drops the query', () => {
    assert.equal(routeTemplate('/api/jobs/42?x=1'), '/api/jobs/:id');
    assert.equal(routeTemplate('/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301/posts/7'), '/users/:id/posts/:id');
    assert.equal(routeTemplate('/blobs/deadbeef12'), '/blobs/:id');
    assert.equal(routeTemplate('/a#frag'), '/a');
    assert.equal(routeTemplate('/?q=1'), '/');
  });

  it('keeps words, including hex-looking words without digits', () => {
    assert.equal(routeTemplate('/api/jobs'), '/api/jobs');
    assert.equal(routeTemplate('/feedface/cafebabe'), '/feedface/cafebabe');
    assert.equal(routeTemplate('/v2/items'), '/v2/items');
  });
  it('takes a segment for an id only when the whole of it is one', () => {
    assert.equal(routeTemplate('/u/3F2504E0-4F89-11D3-9A0C-0305E82C3301'), '/u/:id', 'upper-case UUID');
    assert.equal(routeTemplate('/u/3f2504e0-4f89-11d3-9a0c-0305e82c330'), '/u/3f2504e0-4f89-11d3-9a0c-0305e82c330', 'one digit short');
    assert.equal(routeTemplate('/u/3f2504e04-f89-11d3-9a0c-0305e82c3301'), '/u/3f2504e04-f89-11d3-9a0c-0305e82c3301', 'dash misplaced');
    assert.equal(routeTemplate('/u/3f2504e0-4f89-11d3-9a0c-0305e82c330g'), '/u/3f2504e0-4f89-11d3-9a0c-0305e82c330g', 'not hex');
    assert.equal(routeTemplate('/blobs/DEADBEEF1'), '/blobs/:id', 'upper-case hex with a digit');
    assert.equal(routeTemplate('/blobs/abc1234'), '/blobs/abc1234', 'hex, but shorter than 8');
    assert.equal(routeTemplate('/v1/12a/-1/1.5'), '/v1/12a/-1/1.5');
  });

  it('keeps empty segments, trailing slashes and paths without a leading slash', () => {
    assert.equal(routeTemplate('/a//42/'), '/a//:id/');
    assert.equal(routeTemplate('42/a'), ':id/a');
    assert.equal(routeTemplate('7'), ':id');
    assert.equal(routeTemplate(''), '/');
    assert.equal(routeTemplate('/42?a/b#c'), '/:id');
  });
});

describe('RouteTemplateCache', () => {
  it('stays within its capacity whatever URLs arrive', () => {
    const cache = new RouteTemplateCache(100);
    for (let i = 0; i < 1_000; i++) assert.equal(cache.get(`/x/${i}`), '/x/:id');
    assert.ok((cache as unknown as { cache: Map<string, string> }).cache.size <= 100);
  });

  it('holds one entry per path, whatever its query strings', () => {
    const cache = new RouteTemplateCache(100);
    for (let i = 0; i < 1_000; i++) assert.equal(cache.get(`/items/42?page=${i}`), '/items/:id');
    assert.equal(cache.get('/items/42#top'), '/items/:id');
    assert.deepEqual([...(cache as unknown as { cache: Map<string, string> }).cache.keys()], ['/items/42', '/items/42#top']);
  });
});
