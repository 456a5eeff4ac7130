package dev.kumiki.canvas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code kumiki serve} against hostile requests: a real {@link CanvasServer} on a free port, spoken to over raw
 * sockets (so Host, Origin and the body can be anything a browser or a script could send). Each refusal is checked by
 * status and message, and the pipeline file on disk must stay as it was.
 */
class CanvasServerTest {
    @TempDir
    Path dir;
    CanvasSession session;
    CanvasServer server;
    int port;
    String token;
    byte[] file;

    @BeforeEach
    void start() throws Exception {
        session = CanvasSessionTest.open(dir);
        server = CanvasServer.start(session, 0);
        port = server.address().getPort();
        token = server.token();
        file = Files.readAllBytes(dir.resolve("p.kumiki"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** An HTTP answer. */
    record Answer(int status, Map<String, String> headers, String body) {
        String message() {
            try {
                return CanvasSessionTest.JSON.readTree(body).get("message").asText();
            } catch (Exception e) {
                return body.strip();
            }
        }
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}; reads the answer. */
    Answer raw(String head, byte[] body) throws IOException {
        try (Socket s = new Socket(server.address().getHost(), port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return read(s.getInputStream());
        }
    }

    /** Reads an answer: the head, then as many bytes as its Content-Length says (or up to the end). */
    static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the server closed the connection without an answer: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).strip().split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        // the server need not drain a body it refused, so the answer is read by its length, not to the end
        byte[] body = headers.containsKey("content-length")
                ? in.readNBytes(Integer.parseInt(headers.get("content-length"))) : in.readAllBytes();
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers,
                new String(body, StandardCharsets.UTF_8));
    }

    /** A command POSTed with the given headers (each "Name: value"; a Host header replaces the right one). */
    Answer post(String json, String... headers) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST /api/command HTTP/1.1");
        if (List.of(headers).stream().noneMatch(h -> h.startsWith("Host:"))) {
            head.append("\r\nHost: 127.0.0.1:").append(port);
        }
        for (String h : headers) {
            head.append("\r\n").append(h);
        }
        head.append("\r\nContent-Length: ").append(body.length);
        return raw(head.toString(), body);
    }

    /** A command as the served page sends it. */
    Answer good(String json, String... more) throws IOException {
        String[] headers = new String[more.length + 2];
        headers[0] = "Content-Type: application/json";
        headers[1] = CanvasServer.TOKEN_HEADER + ": " + token;
        System.arraycopy(more, 0, headers, 2, more.length);
        return post(json, headers);
    }

    Answer get(String path, String... headers) throws IOException {
        StringBuilder head = new StringBuilder("GET " + path + " HTTP/1.1");
        if (List.of(headers).stream().noneMatch(h -> h.startsWith("Host:"))) {
            head.append("\r\nHost: 127.0.0.1:").append(port);
        }
        for (String h : headers) {
            head.append("\r\n").append(h);
        }
        return raw(head.toString(), new byte[0]);
    }

    void assertFileUnchanged() throws IOException {
        assertArrayEquals(file, Files.readAllBytes(dir.resolve("p.kumiki")), "the pipeline file is as it was");
        assertEquals(4, session.pipeline().getNodes().size(), "the pipeline is as it was");
        assertFalse(session.isDirty(), "nothing was edited");
    }

    static final String ADD = "{\"type\":\"addNode\",\"kind\":\"SaveModel\",\"x\":0,\"y\":0}";

    @Test
    void theAddressCarriesAFreshTokenAndThePageWorksWithIt() throws Exception {
        assertTrue(server.uri().toString().matches("http://127\\.0\\.0\\.1:" + port + "/\\?token=[0-9a-f]{64}"),
                server.uri().toString());
        try (CanvasServer other = CanvasServer.start(session, 0)) {
            assertNotEquals(token, other.token(), "each start has its own token");
        }
        Answer page = get("/");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("<div id=\"root\">"));
        assertEquals("nosniff", page.headers().get("x-content-type-options"));
        assertEquals("no-referrer", page.headers().get("referrer-policy"));
        assertTrue(page.headers().get("content-security-policy").contains("frame-ancestors 'none'"));
        assertEquals(200, get("/", "Host: localhost:" + port).status(), "localhost is this machine too");

        Answer added = good(ADD, "Origin: http://127.0.0.1:" + port, "Sec-Fetch-Site: same-origin");
        assertEquals(200, added.status(), added.body());
        assertEquals("{\"id\":\"saveModel1\",\"ok\":true}", added.body());
        assertEquals(200, good("{\"type\":\"undo\"}", "Content-Type: application/json; charset=UTF-8").status());
        assertFileUnchanged();
    }

    @Test
    void anotherHostNameIsRefused() throws Exception {
        // DNS rebinding: a foreign name that resolves to 127.0.0.1 still arrives as its own Host
        for (String host : List.of("evil.example:" + port, "127.0.0.1.evil.example:" + port,
                "localhost.evil.example:" + port, "evil.example", "127.0.0.1:" + (port == 1 ? 2 : 1), "127.0.0.1",
                "")) {
            Answer a = good(ADD + " ".repeat(0), "Host: " + host);
            assertEquals(403, a.status(), host);
            assertEquals("refused: this Kumiki server answers to 127.0.0.1:" + port + " only, not to Host '" + host
                    + "'; open the address kumiki serve printed", a.message(), host);
            assertEquals(403, get("/", "Host: " + host).status(), "the page too, for " + host);
        }
        Answer none = raw("GET / HTTP/1.0", new byte[0]);
        assertEquals(403, none.status(), "no Host at all");
        assertFileUnchanged();
    }

    @Test
    void requestsFromAnotherSiteAreRefused() throws Exception {
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:" + (port + 1),
                "https://127.0.0.1:" + port, "http://localhost.evil.example:" + port)) {
            Answer a = good(ADD, "Origin: " + origin);
            assertEquals(403, a.status(), origin);
            assertEquals("refused: a request from another site (Origin '" + origin + "'); only the page this server "
                    + "serves may send commands", a.message());
        }
        for (String site : List.of("cross-site", "same-site")) {
            Answer a = good(ADD, "Sec-Fetch-Site: " + site);
            assertEquals(403, a.status(), site);
            assertEquals("refused: a request from another site (Sec-Fetch-Site: " + site + "); only the page this "
                    + "server serves may send commands", a.message());
        }
        assertFileUnchanged();
    }

    @Test
    void commandsWithoutTheTokenAreRefused() throws Exception {
        Answer none = post(ADD, "Content-Type: application/json");
        assertEquals(401, none.status());
        assertEquals("refused: no token; open the address kumiki serve printed (it ends in ?token=…)", none.message());
        for (String wrong : List.of("0".repeat(64), token.substring(1), token + "0", token.toUpperCase(Locale.ROOT))) {
            Answer a = post(ADD, "Content-Type: application/json", CanvasServer.TOKEN_HEADER + ": " + wrong);
            assertEquals(403, a.status(), wrong);
            assertEquals("refused: wrong token (kumiki serve makes a new one each start); open the address it printed "
                    + "this time", a.message());
        }
        assertEquals(401, get("/api/events").status(), "the event stream needs the token too");
        assertEquals(403, get("/api/events?token=" + "1".repeat(64)).status());
        // with it, the stream opens
        try (Socket s = new Socket(server.address().getHost(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET /api/events?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] start = s.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(start, StandardCharsets.ISO_8859_1));
        }
        assertFileUnchanged();
    }

    @Test
    void onlyJsonCommandsAreTaken() throws Exception {
        // the "simple requests" any page may send to any address without asking: forms and text/plain
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; "
                + "boundary=x", "text/plain; charset=utf-8; x=application/json")) {
            Answer a = post(ADD, "Content-Type: " + type, CanvasServer.TOKEN_HEADER + ": " + token);
            assertEquals(415, a.status(), type);
            assertEquals("refused: a command is JSON, sent as Content-Type: application/json, not '" + type + "'",
                    a.message());
        }
        assertEquals(415, post(ADD, CanvasServer.TOKEN_HEADER + ": " + token).status(), "no Content-Type");
        assertFileUnchanged();
    }

    @Test
    void oversizeBodiesAreRefusedBeforeTheyAreRead() throws Exception {
        // declared too big, and never sent: the answer comes from the Content-Length alone
        Answer declared = raw("POST /api/command HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: "
                + "application/json\r\n" + CanvasServer.TOKEN_HEADER + ": " + token + "\r\nContent-Length: "
                + (64L << 30), new byte[0]);
        assertEquals(413, declared.status());
        assertEquals("refused: a command of " + (64L << 30) + " bytes; at most 1048576 are taken", declared.message());
        // sent in chunks, without a length: read up to the limit, then refused
        byte[] chunk = ("100000\r\n" + " ".repeat(0x100000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(chunk);
        body.write(("10\r\n" + " ".repeat(16) + "\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        Answer chunked = raw("POST /api/command HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: "
                + "application/json\r\n" + CanvasServer.TOKEN_HEADER + ": " + token + "\r\nTransfer-Encoding: chunked",
                body.toByteArray());
        assertEquals(413, chunked.status());
        assertEquals("refused: a command of more than 1048576 bytes", chunked.message());
        assertFileUnchanged();
    }

    @Test
    void malformedAndUnknownCommandsAreAnswered() throws Exception {
        Answer json = good("{\"type\": \"addNode\", ");
        assertEquals(400, json.status());
        assertTrue(json.message().startsWith("a command is a JSON object, e.g. {\"type\": \"undo\"}; this is not JSON"),
                json.message());
        assertEquals(400, good("[1, 2]").status());
        Answer unknown = good("{\"type\":\"rm -rf\"}");
        assertEquals(400, unknown.status());
        assertTrue(unknown.message().startsWith("unknown command 'rm -rf'; the commands are addNode, "), unknown.body());
        Answer missing = good("{\"type\":\"connect\",\"from\":\"a\"}");
        assertEquals(400, missing.status());
        assertEquals("command 'connect' needs \"fromPort\", a text; found null", missing.message());
        assertEquals(405, get("/api/command", CanvasServer.TOKEN_HEADER + ": " + token).status());
        assertEquals(404, get("/api/elsewhere", CanvasServer.TOKEN_HEADER + ": " + token).status());
        assertEquals(400, get("/../META-INF/MANIFEST.MF").status());
        assertEquals(400, get("/%2e%2e/META-INF/MANIFEST.MF").status());
        assertEquals(404, get("/no-such.js").status());
        assertFileUnchanged();
        // the session still works after all of that
        assertEquals(200, good(ADD).status());
    }

    /**
     * The bug this hardening fixed: a value that contains itself left the request unanswered (the error escaped the
     * handler) and the model half-changed, so the next Save wrote a 0-byte file.
     */
    @Test
    void aBadSettingValueIsAnsweredAndTheNextSaveWritesAWholeFile() throws Exception {
        Answer bad = good("{\"type\":\"setSetting\",\"node\":\"merge\",\"path\":\"parameters\",\"value\":"
                + "\"{weight: &a [*a]}\"}");
        assertEquals(200, bad.status());
        JsonNode reply = CanvasSessionTest.JSON.readTree(bad.body());
        assertFalse(reply.get("ok").asBoolean());
        assertEquals("'{weight: &a [*a]}' is not a YAML value: the value '&a' contains an alias to itself (a "
                + "recursive alias); write the value out instead", reply.get("message").asText());
        assertFileUnchanged();
        Answer moved = good("{\"type\":\"moveNodes\",\"moves\":[{\"id\":\"a\",\"x\":5,\"y\":7}]}");
        assertEquals(200, moved.status(), moved.body());
        Answer saved = good("{\"type\":\"save\"}");
        assertEquals("{\"ok\":true}", saved.body());
        String text = Files.readString(dir.resolve("p.kumiki"));
        assertTrue(text.startsWith("kumiki: 1\n"), text);
        assertTrue(text.contains("    parameters: {weight: 0.5}\n") && text.contains("  a: [5, 7]\n"), text);
        assertEquals(List.of(), CanvasSessionTest.KINDS.open(dir.resolve("p.kumiki")).getErrors());
    }

    @Test
    void theStudiosAssetServerHasNoCommands() throws Exception {
        try (CanvasServer assets = CanvasServer.start(null, 0)) {
            int p = assets.address().getPort();
            assertEquals(assets.address(), assets.uri(), "no token: there is no session to protect");
            try (Socket s = new Socket(assets.address().getHost(), p)) {
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + p + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                Answer page = read(s.getInputStream());
                assertEquals(200, page.status());
                // SWT's BrowserFunction reaches Java with requests to swt:; kumiki serve's page may not
                assertTrue(page.headers().get("content-security-policy").contains("connect-src 'self' swt:;"));
                assertTrue(get("/").headers().get("content-security-policy").contains("connect-src 'self';"));
            }
            try (Socket s = new Socket(assets.address().getHost(), p)) {
                s.getOutputStream().write(("POST /api/command HTTP/1.1\r\nHost: 127.0.0.1:" + p + "\r\nContent-Type: "
                        + "application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                        .getBytes(StandardCharsets.ISO_8859_1));
                Answer a = read(s.getInputStream());
                assertEquals(404, a.status());
                assertEquals("this server serves the canvas only; its session is in Kumiki Studio", a.message());
            }
            try (Socket s = new Socket(assets.address().getHost(), p)) {
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(403, read(s.getInputStream()).status());
            }
        }
    }
}
