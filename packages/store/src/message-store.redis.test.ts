import { describe } from 'vitest';
import { messageStoreEdgeContract } from '../test/contract-edges.js';
import { messageStoreContract } from '../test/contract.js';
import { onNodeAndCluster } from '../test/on-node-and-cluster.js';

describe('MessageStore', () => {
  onNodeAndCluster((getClient) => {
    messageStoreContract(getClient);
    messageStoreEdgeContract(getClient);
  });
});
