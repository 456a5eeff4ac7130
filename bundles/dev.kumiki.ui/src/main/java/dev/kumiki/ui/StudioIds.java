package dev.kumiki.ui;

/** Identifiers of Kumiki Studio's contributions, for integrators who extend or test the Studio. */
public final class StudioIds {
    /** The Studio application ({@code -application dev.kumiki.ui.application}). */
    public static final String APPLICATION = "dev.kumiki.ui.application";
    /** The Studio product. */
    public static final String PRODUCT = "dev.kumiki.ui.studio";
    /** The Kumiki perspective, the one the Studio opens with. */
    public static final String PERSPECTIVE = "dev.kumiki.ui.perspective";
    /** The Hardware view: the machine and the backend Kumiki uses. */
    public static final String HARDWARE_VIEW = "dev.kumiki.ui.views.hardware";
    /** Help > About Kumiki Studio. */
    public static final String ABOUT_COMMAND = "dev.kumiki.ui.commands.about";
    /** Help > Welcome: the Welcome page, also shown when the Studio starts on a workspace without projects. */
    public static final String WELCOME_COMMAND = "dev.kumiki.ui.commands.welcome";
    /** The Welcome page (an editor). */
    public static final String WELCOME_EDITOR = "dev.kumiki.ui.editors.welcome";
    /** File > Open Pipeline... */
    public static final String OPEN_PIPELINE_COMMAND = "dev.kumiki.ui.commands.openPipeline";
    /** The pipeline editor (*.kumiki files). */
    public static final String PIPELINE_EDITOR = "dev.kumiki.ui.editors.pipeline";
    /** The Run History view: the runs of the pipeline being edited. */
    public static final String RUN_HISTORY_VIEW = "dev.kumiki.ui.views.runHistory";
    /** The Results view: what a run produced. */
    public static final String RESULTS_VIEW = "dev.kumiki.ui.views.results";
    /** File > New > Pipeline. */
    public static final String NEW_PIPELINE_WIZARD = "dev.kumiki.ui.wizards.newPipeline";
    /** Window > Preferences > Kumiki. */
    public static final String PREFERENCE_PAGE = "dev.kumiki.ui.preferences";
    /** The main window's title. */
    public static final String WINDOW_TITLE = "Kumiki Studio";

    private StudioIds() {
    }
}
