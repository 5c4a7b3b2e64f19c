package org.isaerft.tensor;

/** A tensor file or tensor that is not what it should be: names the file, tensor, expected and found. */
public class TensorFormatException extends RuntimeException {
    public TensorFormatException(String message) {
        super(message);
    }

    public TensorFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
