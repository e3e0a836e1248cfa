/* A listener (observer) leak: every step opens views that each register a
 * handler on a long-lived event bus, and closes them without removing the
 * handler, which (an inner class) keeps its view alive. */
import java.util.ArrayList;
import java.util.List;

final class Listeners {
	static final int VIEWS_PER_STEP = 40;

	interface Listener {
		void onEvent(int event);
	}

	static final class EventBus {
		private final List<Listener> listeners = new ArrayList<Listener>();

		void register(Listener l) {
			listeners.add(l);
		}
	}

	static final class View {
		final long[] pixels;
		int events;

		View(int size) {
			this.pixels = new long[size];
		}

		final class Handler implements Listener {
			public void onEvent(int event) {
				events += event;
			}
		}
	}

	static final EventBus bus = new EventBus();

	static void step(int step) {
		for (int i = 0; i < VIEWS_PER_STEP; i++) {
			View v = new View(24);
			bus.register(v.new Handler());
			/* the view is closed here, but bus still holds its handler */
		}
	}
}
