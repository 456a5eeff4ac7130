package dev.kumiki.ui.internal;

import java.util.Map;
import java.util.stream.Collectors;

import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.osgi.framework.FrameworkUtil;

/** Version of Kumiki Studio and the hardware profile of the machine it runs on. */
public final class AboutDialog extends Dialog {
    public static final String TITLE = "About Kumiki Studio";
    private Image logo;
    private Text details;

    public AboutDialog(Shell parent) {
        super(parent);
    }

    /** {@code Kumiki Studio 0.1.0.v…}: the version of the Studio bundle. */
    public static String versionLine() {
        return "Kumiki Studio " + FrameworkUtil.getBundle(AboutDialog.class).getVersion();
    }

    /** The text of the details box: runtime and hardware profile, one labelled line each. */
    public static String detailsText() {
        Map<String, String> rows = StudioProfile.rows();
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        return "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")\n\n"
                + rows.entrySet().stream().map(e -> String.format("%-" + width + "s  %s", e.getKey(), e.getValue()))
                        .collect(Collectors.joining("\n"));
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(TITLE);
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        ((GridLayout) area.getLayout()).numColumns = 2;
        logo = new Image(parent.getDisplay(), AboutDialog.class.getResourceAsStream("/icons/kumiki-64.png"));
        Label image = new Label(area, SWT.NONE);
        image.setImage(logo);
        image.setLayoutData(new GridData(SWT.BEGINNING, SWT.BEGINNING, false, false));
        Composite text = new Composite(area, SWT.NONE);
        text.setLayout(new GridLayout(1, false));
        Label title = new Label(text, SWT.NONE);
        title.setText(versionLine());
        title.setFont(JFaceResources.getBannerFont());
        Label tagline = new Label(text, SWT.WRAP);
        tagline.setText("組木 — fine-tune, merge and evaluate language models as pipelines.");
        details = new Text(area, SWT.MULTI | SWT.READ_ONLY | SWT.BORDER | SWT.V_SCROLL | SWT.H_SCROLL);
        details.setFont(JFaceResources.getTextFont());
        details.setText(detailsText());
        GridData data = new GridData(SWT.FILL, SWT.FILL, true, true, 2, 1);
        data.widthHint = 820;
        data.heightHint = 200;
        details.setLayoutData(data);
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, IDialogConstants.CLOSE_LABEL, true);
    }

    @Override
    public boolean close() {
        boolean closed = super.close();
        if (closed && logo != null) {
            logo.dispose();
        }
        return closed;
    }
}
