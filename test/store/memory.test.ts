import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance({ name: 'memory', create: async () => createMemoryStore() });
