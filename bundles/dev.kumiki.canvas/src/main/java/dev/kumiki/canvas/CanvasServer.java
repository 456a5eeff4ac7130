package dev.kumiki.canvas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves the canvas to a browser on this machine: the web app (from this bundle's {@code web/} resources), commands
 * as {@code POST api/command} (the reply is the session's reply) and events as server-sent events on
 * {@code GET api/events}. Without a session it serves the web app alone (the Studio's editor loads it this way and
 * talks to the session through its BrowserFunction, not HTTP).
 *
 * <p>It takes orders from its own page only, as a local development server should (Jupyter's token is the model):
 * <ul>
 * <li>it listens on the loopback address, and refuses every request whose {@code Host} is not that address (or
 * {@code localhost}) with its port: a page of another site that renames itself to 127.0.0.1 (DNS rebinding) still
 * sends its own name as Host;
 * <li>{@code api/*} refuses requests from another origin ({@code Origin} other than this server's, or
 * {@code Sec-Fetch-Site} other than same-origin/none); another local server on another port counts as another
 * origin;
 * <li>{@code api/*} needs the secret {@link #token()} of this server start, made with {@link SecureRandom} and
 * compared in constant time: the address printed on start carries it ({@link #uri()}); the page keeps it in its
 * session storage, sends it as the {@value #TOKEN_HEADER} header with each command and as the {@code token} query
 * parameter of the event stream (an EventSource cannot send headers). A header rather than a cookie: browsers send
 * a cookie of 127.0.0.1 to every port of 127.0.0.1, so any other local server would receive it, and a cookie goes
 * with requests a foreign page makes, a header never does;
 * <li>commands must be {@code application/json} (forms and {@code text/plain}, which a foreign page can post without
 * asking, are refused) of at most {@link #MAX_BODY} bytes (refused from the {@code Content-Length} alone, before
 * reading);
 * <li>every request gets an answer, also when the session fails, and pages carry {@code nosniff}, a content security
 * policy that forbids framing, and no referrer.
 * </ul>
 * A refused request changes nothing; its answer says why and what to do.
 */
public final class CanvasServer implements AutoCloseable {
    /** The header that carries the token with each command. */
    public static final String TOKEN_HEADER = "X-Kumiki-Token";
    /** The largest command accepted, in bytes (the largest real one, a paste of many nodes, is a few KiB). */
    public static final int MAX_BODY = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png",
            "image/png", "json", "application/json");
    /**
     * React Flow positions nodes with inline styles; everything else comes from this server. In the Studio the page
     * also reaches its session through SWT's BrowserFunction, which WebKitGTK carries as requests to {@code swt:}.
     */
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'%s; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final CanvasSession session;
    private final byte[] token;
    private final List<String> hosts;

    private CanvasServer(HttpServer server, CanvasSession session) {
        this.server = server;
        this.session = session;
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        int port = server.getAddress().getPort();
        this.hosts = List.of(server.getAddress().getAddress().getHostAddress() + ":" + port, "127.0.0.1:" + port,
                "localhost:" + port, "[::1]:" + port);
    }

    /** Starts serving {@code session} (or, with null, the web app only) on {@code port} (0: any free port). */
    public static CanvasServer start(CanvasSession session, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        CanvasServer s = new CanvasServer(http, session);
        http.setExecutor(s.threads);
        http.createContext("/", s.guarded(s::asset));
        http.createContext("/api/", s.guarded(s::api));
        http.start();
        return s;
    }

    /**
     * The address to open, with the token: {@code http://127.0.0.1:8765/?token=…}. Only who has it can use the
     * session; {@code kumiki serve} prints it.
     */
    public URI uri() {
        return URI.create(address() + (session == null ? "" : "?token=" + token()));
    }

    /** The address without the token, e.g. {@code http://127.0.0.1:8765/}: the web app, but no session. */
    public URI address() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    }

    /** The secret of this server start (64 hex digits) that {@code api/*} requests must carry. */
    public String token() {
        return new String(token, StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------------------------------------- checks

    /** A request refused, with its status and the reason for whoever sent it. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private interface Handler {
        void handle(HttpExchange x) throws IOException, Refusal;
    }

    /**
     * The checks every request passes first, and the answer every request gets: a refusal, or an error when a
     * handler failed (an exception that escapes an HttpHandler leaves the browser waiting for an answer that never
     * comes).
     */
    private HttpHandler guarded(Handler handler) {
        return x -> {
            try {
                String host = x.getRequestHeaders().getFirst("Host");
                if (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT))) {
                    throw new Refusal(403, "refused: this Kumiki server answers to " + hosts.get(1) + " only, not to"
                            + " Host '" + host + "'; open the address kumiki serve printed");
                }
                x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                x.getResponseHeaders().set("Referrer-Policy", "no-referrer");
                x.getResponseHeaders().set("Content-Security-Policy", CSP.formatted(session == null ? " swt:" : ""));
                x.getResponseHeaders().set("X-Frame-Options", "DENY");
                x.getResponseHeaders().set("Cache-Control", "no-store");
                handler.handle(x);
            } catch (Refusal r) {
                refuse(x, r);
            } catch (IOException e) {
                x.close(); // the browser went away; nobody to answer
            } catch (RuntimeException | Error e) {
                System.err.println("kumiki serve: " + x.getRequestMethod() + " " + x.getRequestURI().getPath()
                        + " failed: " + e);
                try {
                    refuse(x, new Refusal(500, "Kumiki failed on this request: " + e));
                } catch (IOException | RuntimeException gone) {
                    x.close(); // the answer had begun; the connection ends instead
                }
            }
        };
    }

    private void refuse(HttpExchange x, Refusal r) throws IOException {
        byte[] body;
        String type;
        if (x.getRequestURI().getPath().startsWith("/api/")) {
            body = JSON.createObjectNode().put("ok", false).put("message", r.getMessage()).toString()
                    .getBytes(StandardCharsets.UTF_8);
            type = TYPES.get("json");
        } else {
            body = (r.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
            type = "text/plain; charset=utf-8";
        }
        x.getResponseHeaders().set("Connection", "close"); // a refused body is not read; the connection ends
        if (r.status == 405) {
            x.getResponseHeaders().set("Allow", x.getRequestURI().getPath().equals("/api/command") ? "POST" : "GET");
        }
        reply(x, r.status, type, body);
    }

    /** The checks of {@code api/*}: a session, same origin, the token. */
    private void checkApi(HttpExchange x) throws Refusal {
        if (session == null) {
            throw new Refusal(404, "this server serves the canvas only; its session is in Kumiki Studio");
        }
        String origin = x.getRequestHeaders().getFirst("Origin");
        if (origin != null && hosts.stream().noneMatch(h -> origin.equalsIgnoreCase("http://" + h))) {
            throw new Refusal(403, "refused: a request from another site (Origin '" + origin + "'); only the page "
                    + "this server serves may send commands");
        }
        String site = x.getRequestHeaders().getFirst("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new Refusal(403, "refused: a request from another site (Sec-Fetch-Site: " + site + "); only the "
                    + "page this server serves may send commands");
        }
        String given = Optional.ofNullable(x.getRequestHeaders().getFirst(TOKEN_HEADER))
                .orElseGet(() -> query(x.getRequestURI(), "token"));
        if (given == null || given.isEmpty()) {
            throw new Refusal(401, "refused: no token; open the address kumiki serve printed (it ends in ?token=…)");
        }
        if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new Refusal(403, "refused: wrong token (kumiki serve makes a new one each start); open the "
                    + "address it printed this time");
        }
    }

    private static String query(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            if (pair.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------- handlers

    private void asset(HttpExchange x) throws IOException, Refusal {
        if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
            throw new Refusal(405, "the canvas's files are read with GET");
        }
        String path = x.getRequestURI().getPath();
        if (path.equals("/") || path.isEmpty()) {
            path = "/index.html";
        }
        if (path.contains("..") || path.contains("\\")) {
            throw new Refusal(400, "bad path");
        }
        try (InputStream in = CanvasServer.class.getResourceAsStream("/web" + path)) {
            if (in == null) {
                throw new Refusal(404, "no " + path + " here");
            }
            String ext = path.substring(path.lastIndexOf('.') + 1);
            reply(x, 200, TYPES.getOrDefault(ext, "application/octet-stream"), in.readAllBytes());
        }
    }

    private void api(HttpExchange x) throws IOException, Refusal {
        checkApi(x);
        switch (x.getRequestURI().getPath()) {
            case "/api/command" -> command(x);
            case "/api/events" -> events(x);
            default -> throw new Refusal(404, "no " + x.getRequestURI().getPath() + " here");
        }
    }

    private void command(HttpExchange x) throws IOException, Refusal {
        if (!x.getRequestMethod().equals("POST")) {
            throw new Refusal(405, "POST a JSON command to api/command");
        }
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).matches("application/json\\s*(;.*)?")) {
            throw new Refusal(415, "refused: a command is JSON, sent as Content-Type: application/json, not '" + type
                    + "'");
        }
        String length = x.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new Refusal(400, "bad Content-Length '" + length + "'");
            }
            if (n > MAX_BODY) {
                throw new Refusal(413, "refused: a command of " + n + " bytes; at most " + MAX_BODY + " are taken");
            }
        }
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1); // a body without a length stops here too
        }
        if (body.length > MAX_BODY) {
            throw new Refusal(413, "refused: a command of more than " + MAX_BODY + " bytes");
        }
        CanvasSession.Reply reply = session.answer(new String(body, StandardCharsets.UTF_8));
        reply(x, reply.status(), TYPES.get("json"), reply.json().getBytes(StandardCharsets.UTF_8));
    }

    private void events(HttpExchange x) throws IOException, Refusal {
        if (!x.getRequestMethod().equals("GET")) {
            throw new Refusal(405, "GET api/events for the event stream");
        }
        LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Consumer<String> listener = queue::add;
        x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        x.sendResponseHeaders(200, 0);
        session.addListener(listener);
        try (OutputStream out = x.getResponseBody()) {
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String event = queue.poll(15, TimeUnit.SECONDS);
                String text = event == null ? ": keep-alive\n\n" : "data: " + event + "\n\n";
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the browser went away (or the server is closing)
        } finally {
            session.removeListener(listener);
        }
    }

    private static void reply(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            if (!head) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
