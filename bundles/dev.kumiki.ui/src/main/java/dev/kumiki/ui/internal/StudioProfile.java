package dev.kumiki.ui.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.kumiki.tensor.hardware.HardwareProfile;

/** The hardware profile of the Studio's JVM, detected once; a bad backend setting is shown, not thrown. */
final class StudioProfile {
    private static Map<String, String> rows;

    private StudioProfile() {
    }

    static synchronized Map<String, String> rows() {
        if (rows == null) {
            try {
                rows = HardwareProfile.detect().describe();
            } catch (IllegalArgumentException badSetting) {
                rows = new LinkedHashMap<>();
                rows.put("Backend", "not chosen: " + badSetting.getMessage());
            }
        }
        return rows;
    }
}
