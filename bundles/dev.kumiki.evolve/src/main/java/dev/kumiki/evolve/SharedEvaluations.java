package dev.kumiki.evolve;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Fitness values that searches running at the same time in this JVM share when they score the same candidates the
 * same way: a pipeline's PS search and a hybrid search whose first stage is that same PS search (same models, space,
 * fitness and seed) propose the same candidates generation by generation, and each is evaluated once, by whichever
 * search claims it first; the other waits for the value (evaluating its own claims meanwhile). A {@link Scope} is
 * what the fitness values depend on, in full; it lives while a search of it is running, so that nothing is kept from
 * one run to the next (a model folder rewritten between runs is never answered from here).
 * <p>
 * A claim that its search gives up (cancelled, failed, stopped) is released: a search waiting for it evaluates the
 * candidate itself.
 */
final class SharedEvaluations {
    private static final Map<String, Scope> SCOPES = new HashMap<>();

    private SharedEvaluations() {
    }

    /** Joins the scope named {@code identity} (made when no running search has it); {@link Scope#leave} ends it. */
    static Scope join(String identity) {
        synchronized (SCOPES) {
            Scope s = SCOPES.computeIfAbsent(identity, Scope::new);
            s.users++;
            return s;
        }
    }

    /** Scopes some search is in now (for tests). */
    static int scopes() {
        synchronized (SCOPES) {
            return SCOPES.size();
        }
    }

    /** The values of one fitness definition over one set of models, keyed by candidate (and generation). */
    static final class Scope {
        private final String identity;
        private final Map<String, CompletableFuture<double[]>> values = new ConcurrentHashMap<>();
        private int users;

        private Scope(String identity) {
            this.identity = identity;
        }

        /** Claims {@code key}: the caller evaluates it when {@link Claim#own} and then completes or releases it. */
        Claim claim(String key) {
            CompletableFuture<double[]> mine = new CompletableFuture<>();
            CompletableFuture<double[]> before = values.putIfAbsent(key, mine);
            return before == null ? new Claim(this, key, mine, true) : new Claim(this, key, before, false);
        }

        /** Leaves the scope (once for each {@link #join}); the last search to leave drops its values. */
        void leave() {
            synchronized (SCOPES) {
                if (--users == 0) {
                    SCOPES.remove(identity, this);
                }
            }
        }
    }

    /**
     * A claim on one candidate's value: {@code own} when the caller is to evaluate it, else the value another search
     * is computing.
     */
    record Claim(Scope scope, String key, CompletableFuture<double[]> value, boolean own) {

        /** Gives the value to the searches waiting for it. */
        void complete(double[] fitness) {
            value.complete(fitness.clone());
        }

        /** Gives the claim up, unevaluated: whoever waits for it evaluates it. Nothing when already completed. */
        void release() {
            if (!value.isDone()) {
                scope.values.remove(key, value);
                value.complete(null);
            }
        }

        /**
         * The value another search computed, waiting for it; empty when that search gave the claim up or failed
         * (then the caller evaluates it itself) or {@code cancelled} was raised meanwhile.
         */
        java.util.Optional<double[]> await(BooleanSupplier cancelled) throws InterruptedException {
            while (true) {
                if (cancelled.getAsBoolean()) {
                    return java.util.Optional.empty();
                }
                try {
                    double[] v = value.get(100, TimeUnit.MILLISECONDS);
                    return java.util.Optional.ofNullable(v).map(double[]::clone);
                } catch (TimeoutException e) {
                    // look at the cancel flag again
                } catch (ExecutionException e) {
                    return java.util.Optional.empty();
                }
            }
        }
    }
}
