/* A warm-up cache: an LRU map of CAPACITY entries that fills during the
 * first two steps and then replaces entries without growing. */
import java.util.LinkedHashMap;
import java.util.Map;

final class WarmCache {
	static final int CAPACITY = 240;
	static final int PUTS_PER_STEP = 120;

	static final class Entry {
		final int[] data;
		final short version;

		Entry(int n, short version) {
			this.data = new int[n];
			this.version = version;
		}
	}

	static final class Lru extends LinkedHashMap<Integer, Entry> {
		private static final long serialVersionUID = 1L;

		Lru() {
			super(16, 0.75f, true);
		}

		@Override
		protected boolean removeEldestEntry(Map.Entry<Integer, Entry> eldest) {
			return size() > CAPACITY;
		}
	}

	static final Lru cache = new Lru();
	static int next;

	static void step(int step) {
		for (int i = 0; i < PUTS_PER_STEP; i++) {
			cache.put(Integer.valueOf(100000 + next), new Entry(30, (short)step));
			next++;
		}
	}
}
