package org.isaerft.llm;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.JsonException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.UnresolvedModelServerException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.LogProb;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way isaerft talks to an LLM: wraps any LangChain4j {@link ChatModel} with a disk cache,
 * a concurrency limit, a request-rate limit, retries with exponential backoff and jitter, a budget
 * and usage accounting. Thread-safe; share one client (or one {@link LlmLedger}) per run.
 *
 * <p>Order per request: cache lookup (a hit makes no request) → budget reservation of the
 * worst case (input estimate + max_tokens) → concurrency permit → per attempt: rate limit, call,
 * classify failure, back off → cache write (atomic) → ledger.
 *
 * <p>The {@link LlmConfig} names the model for the cache key and pricing; the {@link ChatModel}
 * must be configured to match (use {@link ChatModels#create}).
 *
 * <p>Over 400 lines because cache, budget, concurrency, rate limit and retry are one request path
 * whose order matters (above); the parts with state of their own are separate classes.
 */
public final class LlmClient {
    private static final Logger LOG = LoggerFactory.getLogger(LlmClient.class);
    private static volatile Encoding estimator;

    /** Sleeps between retries (injectable so tests can observe backoff without waiting). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final ChatModel model;
    private final LlmConfig config;
    private final ResponseCache cache;
    private final LlmLedger ledger;
    private final Semaphore permits;
    private final RateLimiter rateLimiter;
    private final Sleeper sleeper;
    private final Random jitter;
    private final java.util.Map<String, Object> keyParameters;
    /** The API key, held only to redact it from error messages and exception chains; never written. */
    private final String secret;

    private LlmClient(Builder b) {
        this.model = b.model;
        this.config = b.config;
        this.cache = b.cacheDir == null ? null : new ResponseCache(b.cacheDir);
        this.ledger = b.ledger != null ? b.ledger : new LlmLedger(b.config);
        this.permits = new Semaphore(b.config.concurrency(), true);
        this.rateLimiter = new RateLimiter(b.config.requestsPerMinute());
        this.sleeper = b.sleeper;
        this.jitter = new Random(b.seed);
        java.util.Map<String, Object> kp = new java.util.LinkedHashMap<>(b.config.cacheParameters());
        kp.putAll(b.keyExtras);
        this.keyParameters = java.util.Collections.unmodifiableMap(kp);
        String key = b.config.apiKeyEnv() == null ? null : b.env.apply(b.config.apiKeyEnv());
        this.secret = key == null || key.isBlank() ? null : key.trim();
    }

    /** A client for {@code model} configured by {@code config}. */
    public static Builder builder(ChatModel model, LlmConfig config) {
        return new Builder(model, config);
    }

    /** Options of a client. */
    public static final class Builder {
        private final ChatModel model;
        private final LlmConfig config;
        private Path cacheDir;
        private LlmLedger ledger;
        private Sleeper sleeper = Thread::sleep;
        private long seed = 0x15AE4F7L;
        private java.util.function.Function<String, String> env = System::getenv;
        private final java.util.Map<String, Object> keyExtras = new java.util.TreeMap<>();

        private Builder(ChatModel model, LlmConfig config) {
            if (model == null || config == null) {
                throw new IllegalArgumentException("LlmClient needs a ChatModel and an LlmConfig");
            }
            this.model = model;
            this.config = config;
        }

        /** Directory of the response cache; null = no cache. */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** Share totals and budget with other clients of the run. */
        public Builder ledger(LlmLedger l) {
            this.ledger = l;
            return this;
        }

        public Builder sleeper(Sleeper s) {
            this.sleeper = s;
            return this;
        }

        /**
         * Where the API key variable is looked up, to redact the key from errors (default: the process
         * environment); pass the same lookup given to {@link ChatModels#create}.
         */
        public Builder env(java.util.function.Function<String, String> env) {
            if (env == null) {
                throw new IllegalArgumentException("env lookup must not be null");
            }
            this.env = env;
            return this;
        }

        /** Seed of the backoff jitter. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * A setting of the {@link ChatModel} that changes answers but is not in the {@link LlmConfig}
         * (e.g. a response format or JSON schema): added to every cache key, so differently configured
         * models never share cache entries.
         */
        public Builder cacheKeyExtra(String name, String value) {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("cache key extra needs a name and a value");
            }
            keyExtras.put(name, value);
            return this;
        }

        public LlmClient build() {
            return new LlmClient(this);
        }
    }

    public LlmConfig config() {
        return config;
    }

    public LlmLedger ledger() {
        return ledger;
    }

    public LlmRunSummary summary() {
        return ledger.snapshot();
    }

    /** "provider/model", as recorded in explanation methods. */
    public String modelRef() {
        return config.provider().id() + "/" + config.model();
    }

    public LlmResponse complete(List<Message> messages) {
        return complete(messages, 0);
    }

    /**
     * Sends {@code messages} (or answers from the cache).
     *
     * @param sample 0 for the first answer to this conversation; callers that must ask again (e.g. after an
     *               unparseable answer) pass 1, 2, … so the retry is a fresh request with its own cache entry and a
     *               rerun replays the same sequence
     * @throws BudgetExceededException before sending, when the worst case would exceed the budget
     * @throws LlmException            after the retries are used up, or on a non-retriable failure
     */
    public LlmResponse complete(List<Message> messages, int sample) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("an LLM request needs at least one message");
        }
        if (sample < 0) {
            throw new IllegalArgumentException("sample must be >= 0, found " + sample);
        }
        List<Message> msgs = List.copyOf(messages);
        String key = ResponseCache.key(config.provider().id(), config.model(), keyParameters, msgs, sample);
        if (cache != null) {
            ResponseCache.Lookup hit = cache.get(key);
            if (hit.corrupt()) {
                ledger.cacheCorrupt();
            }
            if (hit.entry().isPresent()) {
                ResponseCache.Entry e = hit.entry().get();
                double cost = config.cost(e.inputTokens(), e.outputTokens());
                ledger.cacheHit(e.inputTokens(), e.outputTokens(), cost);
                return new LlmResponse(e.text(), e.logprobs(), new Usage(e.inputTokens(), e.outputTokens(), cost), true,
                        e.finishReason(), key);
            }
        }
        long inputEstimate = estimateTokens(msgs);
        double worstCase = config.cost(inputEstimate, config.maxTokens());
        ledger.reserve(worstCase);
        boolean settled = false;
        try {
            permits.acquire();
            try {
                Answer a = callWithRetries(msgs);
                long in = a.usage != null && a.usage.inputTokenCount() != null ? a.usage.inputTokenCount() : inputEstimate;
                long out = a.usage != null && a.usage.outputTokenCount() != null ? a.usage.outputTokenCount()
                        : countTokens(a.text);
                boolean estimated = a.usage == null || a.usage.inputTokenCount() == null || a.usage.outputTokenCount() == null;
                double cost = config.cost(in, out);
                ledger.settle(worstCase, in, out, cost);
                settled = true;
                if (cache != null) {
                    cache.put(new ResponseCache.Entry(ResponseCache.SCHEMA_VERSION, ResponseCache.TYPE, key, config.provider().id(),
                            config.model(), keyParameters, sample, msgs, a.text, a.finishReason, in, out, estimated,
                            a.logprobs, Instant.now().toString()));
                }
                return new LlmResponse(a.text, a.logprobs, new Usage(in, out, cost), false, a.finishReason, key);
            } finally {
                permits.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.OTHER, 0, "interrupted while waiting to call " + modelRef(), e);
        } finally {
            if (!settled) {
                ledger.release(worstCase);
            }
        }
    }

    /**
     * Asks until an answer parses: sample 0, then (after each unparseable answer, counted in the
     * ledger as a parse failure) samples 1..maxParseRetries. A rerun replays the same cached
     * samples. An unparseable answer is never returned as a value.
     *
     * @param parser returns empty for an answer that does not follow the requested format
     * @throws BudgetExceededException when the budget stops the next request
     */
    public <T> Parsed<T> completeParsed(List<Message> messages, java.util.function.Function<String, java.util.Optional<T>> parser,
            int maxParseRetries) {
        if (maxParseRetries < 0) {
            throw new IllegalArgumentException("max_parse_retries must be >= 0, found " + maxParseRetries);
        }
        List<String> rejected = new ArrayList<>();
        Usage usage = Usage.NONE;
        for (int sample = 0; sample <= maxParseRetries; sample++) {
            LlmResponse r;
            try {
                r = complete(messages, sample);
            } catch (BudgetExceededException e) {
                throw e;
            } catch (LlmException e) {
                return new Parsed.Failed<>(Parsed.Reason.LLM_ERROR, e.getMessage(), rejected, usage);
            }
            usage = usage.plus(r.usage());
            java.util.Optional<T> v = parser.apply(r.text());
            if (v.isPresent()) {
                return new Parsed.Ok<>(v.get(), r.text(), rejected, usage);
            }
            ledger.parseFailure();
            rejected.add(r.text());
        }
        return new Parsed.Failed<>(Parsed.Reason.UNPARSEABLE, rejected.size() + " answers did not follow the requested format",
                rejected, usage);
    }

    private record Answer(String text, List<TokenLogprobs> logprobs, TokenUsage usage, String finishReason) {}

    private Answer callWithRetries(List<Message> msgs) throws InterruptedException {
        ChatRequest request = ChatRequest.builder().messages(Message.toChatMessages(msgs)).build();
        int attempt = 0;
        while (true) {
            rateLimiter.acquire();
            ledger.request();
            attempt++;
            LlmException failure;
            try {
                ChatResponse r = model.chat(request);
                String text = r == null || r.aiMessage() == null ? null : r.aiMessage().text();
                if (text == null) {
                    throw new LlmException(LlmException.Kind.MALFORMED_RESPONSE, attempt,
                            modelRef() + " answered without text (finish reason " + (r == null ? null : r.finishReason()) + ")", null);
                }
                return new Answer(text, logprobs(r), r.tokenUsage(), r.finishReason() == null ? null : r.finishReason().name());
            } catch (LlmException e) {
                failure = e;
            } catch (RuntimeException e) {
                LlmException.Kind kind = classify(e);
                // the provider's message may echo the key or the Authorization header: redact it, and keep
                // only a redacted copy of the exception chain (its messages would reach logs and stack traces)
                failure = new LlmException(kind, attempt, modelRef() + " request failed (" + kind.name().toLowerCase(java.util.Locale.ROOT)
                        + "): " + oneLine(e, secret), Redaction.scrub(e, secret));
            }
            if (!failure.kind().retriable() || attempt > config.maxRetries()) {
                ledger.failure(failure.kind());
                if (failure.kind().retriable()) {
                    throw new LlmException(failure.kind(), attempt, "gave up after " + attempt + " attempts: " + failure.getMessage(),
                            failure.getCause());
                }
                throw failure;
            }
            long delay = backoffMillis(attempt);
            LOG.warn("{}: {} on attempt {}, retrying in {} ms", modelRef(), failure.kind(), attempt, delay);
            ledger.retry();
            sleeper.sleep(delay);
        }
    }

    /** Exponential backoff with "equal jitter": half the capped delay fixed, half random. */
    long backoffMillis(int attempt) {
        double cap = Math.min(config.backoffMaxMs(), config.backoffInitialMs() * Math.pow(2, attempt - 1));
        double r;
        synchronized (jitter) {
            r = jitter.nextDouble();
        }
        return Math.round(cap / 2 + r * cap / 2);
    }

    /** Maps a LangChain4j/transport exception to a failure kind. */
    static LlmException.Kind classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RateLimitException) {
                return LlmException.Kind.RATE_LIMITED;
            }
            if (t instanceof dev.langchain4j.exception.TimeoutException || t instanceof HttpTimeoutException
                    || t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return LlmException.Kind.TIMEOUT;
            }
            if (t instanceof InternalServerException) {
                return LlmException.Kind.SERVER_ERROR;
            }
            if (t instanceof AuthenticationException || t instanceof InvalidRequestException || t instanceof ModelNotFoundException) {
                return LlmException.Kind.CLIENT_ERROR;
            }
            if (t instanceof HttpException h) {
                int s = h.statusCode();
                return s == 429 ? LlmException.Kind.RATE_LIMITED
                        : s == 408 ? LlmException.Kind.TIMEOUT
                        : s >= 500 ? LlmException.Kind.SERVER_ERROR
                        : LlmException.Kind.CLIENT_ERROR;
            }
            if (t instanceof JsonException || t instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                return LlmException.Kind.MALFORMED_RESPONSE;
            }
            if (t instanceof UnresolvedModelServerException || t instanceof IOException) {
                return LlmException.Kind.CONNECTION;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RetriableException) {
                return LlmException.Kind.CONNECTION;
            }
        }
        return LlmException.Kind.OTHER;
    }

    /** An error message on one line, with anything key-like replaced by "[redacted]", at most 300 characters. */
    static String oneLine(Throwable e) {
        return oneLine(e, null);
    }

    /** {@link #oneLine(Throwable)}, also replacing the literal {@code secret}. */
    static String oneLine(Throwable e, String secret) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = Redaction.redact(m.replaceAll("\\s+", " "), secret);
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }

    /** Per-token log-probabilities when the provider returned them (OpenAI-compatible servers). */
    static List<TokenLogprobs> logprobs(ChatResponse r) {
        if (!(r.metadata() instanceof OpenAiChatResponseMetadata md) || md.logProbs() == null) {
            return List.of();
        }
        List<TokenLogprobs> out = new ArrayList<>();
        for (LogProb lp : md.logProbs()) {
            List<TokenLogprobs.Alternative> top = new ArrayList<>();
            if (lp.topLogprobs() != null) {
                for (LogProb alt : lp.topLogprobs()) {
                    top.add(new TokenLogprobs.Alternative(alt.token(), alt.logprob() == null ? Double.NEGATIVE_INFINITY : alt.logprob()));
                }
            }
            out.add(new TokenLogprobs(lp.token() == null ? "" : lp.token(),
                    lp.logprob() == null ? Double.NEGATIVE_INFINITY : lp.logprob(), top));
        }
        return out;
    }

    /** Estimated input tokens (cl100k_base plus 4 per message of chat framing). */
    static long estimateTokens(List<Message> msgs) {
        long n = 3;
        for (Message m : msgs) {
            n += 4 + countTokens(m.text());
        }
        return n;
    }

    static long countTokens(String text) {
        Encoding enc = estimator;
        if (enc == null) {
            synchronized (LlmClient.class) {
                if (estimator == null) {
                    estimator = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
                }
                enc = estimator;
            }
        }
        return enc.countTokensOrdinary(text);
    }
}
