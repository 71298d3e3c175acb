package io.github.redisstreams.binder.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs command lines as a user types them into {@code redis-cli} (quotes included) and returns what it prints
 * when its output is not a terminal: {@code redis-cli} itself when it is on the PATH, otherwise the same
 * parsing of the lines ({@link #split(String)}, the rules of Redis's {@code sdssplitargs}) and the commands
 * sent over a plain socket, the replies printed the same way.
 */
public final class RedisCli {

	private RedisCli() {
	}

	/**
	 * Runs commands on a loopback Redis.
	 * @param port its port
	 * @param user the user to authenticate as, or null for the default user
	 * @param password that user's password, or null
	 * @param lines one command per line
	 * @return what redis-cli prints for them
	 */
	public static String run(int port, String user, String password, List<String> lines) {
		Optional<Path> cli = RedisBinaries.redisCli();
		return cli.isPresent() ? runCli(cli.get(), port, user, password, lines)
				: runOverSocket(port, user, password, lines);
	}

	static String runCli(Path cli, int port, String user, String password, List<String> lines) {
		List<String> command = new ArrayList<>(List.of(cli.toString(), "-p", Integer.toString(port)));
		if (user != null) {
			command.addAll(List.of("--user", user, "--pass", password, "--no-auth-warning"));
		}
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			try (OutputStream in = process.getOutputStream()) {
				in.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
			}
			String reply = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("redis-cli did not finish");
			}
			return reply;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static String runOverSocket(int port, String user, String password, List<String> lines) {
		StringBuilder printed = new StringBuilder();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = new BufferedInputStream(socket.getInputStream());
			if (user != null) {
				send(out, List.of("AUTH", user, password));
				StringBuilder auth = new StringBuilder();
				print(in, auth);
				if (!auth.toString().equals("OK\n")) {
					// redis-cli reports a refused AUTH and goes on; the commands then fail as the default user
					printed.append("AUTH failed: ").append(auth);
				}
			}
			for (String line : lines) {
				List<String> args = split(line);
				if (args.isEmpty()) {
					continue;
				}
				send(out, args);
				print(in, printed);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return printed.toString();
	}

	/**
	 * Splits a command line as {@code redis-cli} does: blanks separate arguments; double quotes allow the
	 * escapes {@code \n \r \t \b \a \\ \" \xHH}; single quotes only {@code \'}; a closing quote must end the
	 * argument.
	 * @param line the line
	 * @return the arguments
	 * @throws IllegalArgumentException when the quotes are unbalanced, as redis-cli refuses such a line
	 */
	public static List<String> split(String line) {
		List<String> args = new ArrayList<>();
		int i = 0;
		int length = line.length();
		while (true) {
			while (i < length && Character.isWhitespace(line.charAt(i))) {
				i++;
			}
			if (i >= length) {
				return args;
			}
			ByteArrayOutputStream current = new ByteArrayOutputStream();
			boolean inDouble = false;
			boolean inSingle = false;
			boolean done = false;
			while (!done) {
				if (i >= length) {
					if (inDouble || inSingle) {
						throw new IllegalArgumentException("Unbalanced quotes in: " + line);
					}
					done = true;
					continue;
				}
				char c = line.charAt(i);
				if (inDouble) {
					if (c == '\\' && i + 3 < length && line.charAt(i + 1) == 'x' && isHex(line.charAt(i + 2))
							&& isHex(line.charAt(i + 3))) {
						current.write(Integer.parseInt(line.substring(i + 2, i + 4), 16));
						i += 3;
					}
					else if (c == '\\' && i + 1 < length) {
						i++;
						char escaped = line.charAt(i);
						current.write(switch (escaped) {
							case 'n' -> '\n';
							case 'r' -> '\r';
							case 't' -> '\t';
							case 'b' -> '\b';
							case 'a' -> 7;
							default -> escaped;
						});
					}
					else if (c == '"') {
						if (i + 1 < length && !Character.isWhitespace(line.charAt(i + 1))) {
							throw new IllegalArgumentException("Closing quote must be followed by a space in: " + line);
						}
						done = true;
					}
					else {
						writeUtf8(current, c);
					}
				}
				else if (inSingle) {
					if (c == '\\' && i + 1 < length && line.charAt(i + 1) == '\'') {
						i++;
						current.write('\'');
					}
					else if (c == '\'') {
						if (i + 1 < length && !Character.isWhitespace(line.charAt(i + 1))) {
							throw new IllegalArgumentException("Closing quote must be followed by a space in: " + line);
						}
						done = true;
					}
					else {
						writeUtf8(current, c);
					}
				}
				else if (Character.isWhitespace(c)) {
					done = true;
				}
				else if (c == '"') {
					inDouble = true;
				}
				else if (c == '\'') {
					inSingle = true;
				}
				else {
					writeUtf8(current, c);
				}
				i++;
			}
			args.add(current.toString(StandardCharsets.UTF_8));
		}
	}

	private static boolean isHex(char c) {
		return Character.digit(c, 16) >= 0;
	}

	private static void writeUtf8(ByteArrayOutputStream out, char c) {
		out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
	}

	private static void send(OutputStream out, List<String> args) throws IOException {
		ByteArrayOutputStream command = new ByteArrayOutputStream();
		command.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
		for (String arg : args) {
			byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
			command.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
			command.writeBytes(bytes);
			command.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
		}
		out.write(command.toByteArray());
		out.flush();
	}

	/** Prints one RESP2 reply as redis-cli does without a terminal: one line per value, errors followed by a blank line. */
	private static void print(InputStream in, StringBuilder printed) throws IOException {
		String header = readLine(in);
		char type = header.charAt(0);
		String rest = header.substring(1);
		switch (type) {
			case '+', ':' -> printed.append(rest).append('\n');
			case '-' -> printed.append(rest).append("\n\n");
			case '$' -> {
				int size = Integer.parseInt(rest);
				if (size >= 0) {
					byte[] bulk = in.readNBytes(size + 2);
					printed.append(new String(bulk, 0, size, StandardCharsets.UTF_8));
				}
				printed.append('\n');
			}
			case '*' -> {
				int count = Integer.parseInt(rest);
				for (int i = 0; i < count; i++) {
					print(in, printed);
				}
			}
			default -> throw new IllegalStateException("Unexpected reply: " + header);
		}
	}

	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int previous = -1;
		while (true) {
			int next = in.read();
			if (next < 0) {
				throw new IOException("Connection closed by Redis");
			}
			if (previous == '\r' && next == '\n') {
				byte[] bytes = line.toByteArray();
				return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
			}
			line.write(next);
			previous = next;
		}
	}

}
