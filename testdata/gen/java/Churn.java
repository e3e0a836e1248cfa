/* Churn: every step drops its batch and makes a new one of the same size,
 * and allocates garbage that dies at once. */
final class Churn {
	static final int BATCH = 100;

	static final class Item {
		final long a, b;
		final Object next;

		Item(long a, Object next) {
			this.a = a;
			this.b = a * 31;
			this.next = next;
		}
	}

	static Item[] batch = new Item[0];
	static long sink;

	static void step(int step) {
		Item[] fresh = new Item[BATCH];
		for (int i = 0; i < BATCH; i++)
			fresh[i] = new Item(step * BATCH + i, i > 0 ? fresh[i - 1] : null);
		batch = fresh;
		for (int i = 0; i < 20000; i++) {
			Item garbage = new Item(i, null);
			sink += garbage.b;
		}
	}
}
