/* A static-collection leak: sessions are registered and never removed. */
import java.util.ArrayList;
import java.util.List;

final class LeakApp {
	static final int SESSIONS_PER_STEP = 150;
	static final List<Session> sessions = new ArrayList<Session>();

	static final class Session {
		final String user;
		final byte[] payload;
		final long created;
		int hits;

		Session(String user, int size, long created) {
			this.user = user;
			this.payload = new byte[size];
			this.created = created;
		}
	}

	static void step(int step) {
		for (int i = 0; i < SESSIONS_PER_STEP; i++)
			sessions.add(new Session(new StringBuilder("user-").append(step).append('-').append(i).toString(),
				200, step * 1000L + i));
	}
}
