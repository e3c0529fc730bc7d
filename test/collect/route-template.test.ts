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
});

describe('RouteTemplateCache', () => {
  it('stays within its capacity whatever URLs arrive', () => {
    const cache = new RouteTemplateCache(100);
    for (let i = 0; i < 1_000; i++) assert.equal(cache.get(`/x/${i}`), '/x/:id');
    assert.ok((cache as unknown as { cache: Map<string, string> }).cache.size <= 100);
  });
});
