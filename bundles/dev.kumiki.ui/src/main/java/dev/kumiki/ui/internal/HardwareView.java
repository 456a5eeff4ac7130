package dev.kumiki.ui.internal;

import java.util.Map;

import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.ui.part.ViewPart;

/** The machine Kumiki runs on and the backend it picked, as {@code kumiki backends} prints them. */
public final class HardwareView extends ViewPart {
    private Table table;

    @Override
    public void createPartControl(Composite parent) {
        Composite holder = new Composite(parent, SWT.NONE);
        TableColumnLayout columns = new TableColumnLayout();
        holder.setLayout(columns);
        table = new Table(holder, SWT.FULL_SELECTION | SWT.V_SCROLL | SWT.H_SCROLL);
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        TableColumn label = new TableColumn(table, SWT.NONE);
        label.setText("Property");
        columns.setColumnData(label, new ColumnWeightData(25, 110));
        TableColumn value = new TableColumn(table, SWT.NONE);
        value.setText("Value");
        columns.setColumnData(value, new ColumnWeightData(75, 250));
        for (Map.Entry<String, String> row : StudioProfile.rows().entrySet()) {
            TableItem item = new TableItem(table, SWT.NONE);
            item.setText(new String[] {row.getKey(), row.getValue()});
        }
    }

    /** The rows shown, for tests. */
    public String[][] rows() {
        String[][] rows = new String[table.getItemCount()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new String[] {table.getItem(i).getText(0), table.getItem(i).getText(1)};
        }
        return rows;
    }

    @Override
    public void setFocus() {
        table.setFocus();
    }
}
