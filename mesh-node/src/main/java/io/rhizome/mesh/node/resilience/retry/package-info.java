/**
 * Retry budgets: how many retries a destination service may receive from this node, relative to its
 * requests over a sliding window ({@link io.rhizome.mesh.node.resilience.retry.RetryBudget}).
 */
package io.rhizome.mesh.node.resilience.retry;
