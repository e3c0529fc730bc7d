import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FastifyRouteTemplates } from '../../src/adapters/fastify-routes.js';

describe('FastifyRouteTemplates', () => {
  it('finds the template of a method and URL, query string and all, with the router Fastify uses', () => {
    const templates = new FastifyRouteTemplates();
    templates.add('GET', '/api/jobs/:id');
    templates.add(['POST', 'PUT'], '/api/jobs');
    templates.add('GET', '/files/*');
    templates.add('GET', '/api/jobs/:id');
    assert.equal(templates.find('GET', '/api/jobs/42?full=1'), '/api/jobs/:id');
    assert.equal(templates.find('PUT', '/api/jobs'), '/api/jobs');
    assert.equal(templates.find('GET', '/files/a/b.txt'), '/files/*');
    assert.equal(templates.find('DELETE', '/api/jobs/42'), null, 'no such method');
    assert.equal(templates.find('GET', '/API/jobs/42'), null, 'case-sensitive, as Fastify by default');
    templates.add('DELETE', '/api/jobs/:id');
    assert.equal(templates.find('DELETE', '/api/jobs/42'), '/api/jobs/:id', 'a route added after a lookup');
  });
});
