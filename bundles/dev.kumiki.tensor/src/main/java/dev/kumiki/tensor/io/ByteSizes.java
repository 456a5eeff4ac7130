package dev.kumiki.tensor.io;

import java.util.Locale;

/** Sizes as people write them: {@code 5GB}, {@code 500MB}, {@code 2GiB}, and mergekit's {@code 5B} (billions). */
public final class ByteSizes {
    private static final String[][] UNITS = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"},
        {"KB", "1000"}, {"MB", "1000000"}, {"GB", "1000000000"}, {"K", "1000"}, {"M", "1000000"}, {"B", "1000000000"},
        {"G", "1000000000"}};

    private ByteSizes() {
    }

    /**
     * The bytes {@code text} stands for.
     *
     * @throws IllegalArgumentException naming the text when it is not a positive size
     */
    public static long parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT).replace(" ", "");
        long unit = 1;
        for (String[] u : UNITS) {
            if (s.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length());
                break;
            }
        }
        try {
            double value = Double.parseDouble(s);
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return (long) (value * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size; use e.g. 5GB, 500MB, 2GiB");
        }
    }
}
