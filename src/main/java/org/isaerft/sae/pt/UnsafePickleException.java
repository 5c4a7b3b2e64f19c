package org.isaerft.sae.pt;

import org.isaerft.tensor.TensorFormatException;

/**
 * A pickle that asks for something the safe reader does not allow (a global other than the
 * tensor-rebuild functions and storage types, or an opcode a state dict never needs). Nothing in
 * the pickle is ever executed; the reader stops at the first such request.
 */
public class UnsafePickleException extends TensorFormatException {
    public UnsafePickleException(String message) {
        super(message);
    }
}
