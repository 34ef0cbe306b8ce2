import { describe } from 'vitest';
import { messageStoreBookkeepingContract } from '../test/contract-bookkeeping.js';
import { messageStoreEdgeContract } from '../test/contract-edges.js';
import { messageStoreContract } from '../test/contract.js';
import { onNodeAndCluster } from '../test/on-node-and-cluster.js';

describe('MessageStore', () => {
  onNodeAndCluster((getClient) => {
    messageStoreContract(getClient);
    messageStoreEdgeContract(getClient);
    messageStoreBookkeepingContract(getClient);
  });
});
