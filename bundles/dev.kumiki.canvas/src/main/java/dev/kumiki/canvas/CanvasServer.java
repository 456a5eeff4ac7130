package dev.kumiki.canvas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves the canvas to a browser on this machine: the web app (from this bundle's {@code web/} resources), commands
 * as {@code POST api/command} (the reply is the session's reply) and events as server-sent events on
 * {@code GET api/events}. It listens on the loopback address only. Without a session it serves the web app alone
 * (the Studio's editor loads it this way and talks to the session through its BrowserFunction).
 */
public final class CanvasServer implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png",
            "image/png", "json", "application/json");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final CanvasSession session;

    private CanvasServer(HttpServer server, CanvasSession session) {
        this.server = server;
        this.session = session;
    }

    /** Starts serving {@code session} (or, with null, the web app only) on {@code port} (0: any free port). */
    public static CanvasServer start(CanvasSession session, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        CanvasServer s = new CanvasServer(http, session);
        http.setExecutor(s.threads);
        http.createContext("/", s::asset);
        if (session != null) {
            http.createContext("/api/command", s::command);
            http.createContext("/api/events", s::events);
        }
        http.start();
        return s;
    }

    /** The address to open, e.g. {@code http://127.0.0.1:8765/}. */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    }

    private void asset(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        if (path.equals("/") || path.isEmpty()) {
            path = "/index.html";
        }
        if (path.contains("..")) {
            reply(x, 400, "text/plain", "bad path".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = CanvasServer.class.getResourceAsStream("/web" + path)) {
            if (in == null) {
                reply(x, 404, "text/plain", ("no " + path + " here").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String ext = path.substring(path.lastIndexOf('.') + 1);
            reply(x, 200, TYPES.getOrDefault(ext, "application/octet-stream"), in.readAllBytes());
        }
    }

    private void command(HttpExchange x) throws IOException {
        if (!x.getRequestMethod().equals("POST")) {
            reply(x, 405, "text/plain", "POST a JSON command".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        reply(x, 200, TYPES.get("json"), session.handle(body).getBytes(StandardCharsets.UTF_8));
    }

    private void events(HttpExchange x) throws IOException {
        LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Consumer<String> listener = queue::add;
        x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        x.getResponseHeaders().set("Cache-Control", "no-cache");
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
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
