/**
 * A safe reader for PyTorch zip checkpoints: {@link org.isaerft.sae.pt.SafeUnpickler} is a pickle
 * VM that builds values and refuses every global except the tensor-rebuild functions and storage
 * types; {@link org.isaerft.sae.pt.TorchCheckpoint} rebuilds tensors from the zip's storages.
 */
package org.isaerft.sae.pt;
