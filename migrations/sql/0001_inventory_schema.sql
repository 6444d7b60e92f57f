CREATE SCHEMA inventory_schema;

-- Inventory Items (what we stock)
CREATE TABLE inventory_schema.inventory_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    medication_id UUID NOT NULL, -- References prescription_schema.medications
    ndc_code VARCHAR(11) NOT NULL,

    -- Location
    bin_location VARCHAR(50), -- Physical storage location
    requires_refrigeration BOOLEAN DEFAULT false,

    -- Stock levels
    quantity_on_hand DECIMAL(10, 2) NOT NULL DEFAULT 0,
    quantity_unit VARCHAR(20) NOT NULL, -- 'tablets', 'ml', 'boxes'

    -- Reordering
    reorder_point DECIMAL(10, 2) NOT NULL, -- Trigger reorder when below this
    reorder_quantity DECIMAL(10, 2) NOT NULL, -- How much to order
    economic_order_quantity DECIMAL(10, 2), -- Optimal order size

    -- Pricing
    unit_cost DECIMAL(10, 4), -- Cost per unit
    average_wholesale_price DECIMAL(10, 4), -- AWP

    -- Status
    is_active BOOLEAN DEFAULT true,
    last_counted_at TIMESTAMP WITH TIME ZONE, -- Last physical count

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    version INTEGER DEFAULT 1 -- Prevent concurrent stock updates
);

-- Inventory Batches (track lots/expiry dates)
CREATE TABLE inventory_schema.inventory_batches (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    inventory_item_id UUID REFERENCES inventory_schema.inventory_items(id),

    batch_number VARCHAR(50) NOT NULL, -- Manufacturer lot number
    expiration_date DATE NOT NULL,

    quantity_received DECIMAL(10, 2) NOT NULL,
    quantity_remaining DECIMAL(10, 2) NOT NULL,

    unit_cost DECIMAL(10, 4), -- Cost for this specific batch

    received_date DATE NOT NULL,
    received_by UUID,

    status VARCHAR(20) DEFAULT 'active', -- 'active', 'expired', 'recalled', 'returned'

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Suppliers
CREATE TABLE inventory_schema.suppliers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL,
    contact_name VARCHAR(255),
    phone VARCHAR(20),
    email VARCHAR(255),
    address TEXT,

    -- Terms
    payment_terms VARCHAR(100), -- 'Net 30', 'COD', etc.
    minimum_order_amount DECIMAL(10, 2),

    is_active BOOLEAN DEFAULT true,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Purchase Orders
CREATE TABLE inventory_schema.purchase_orders (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    po_number VARCHAR(20) UNIQUE NOT NULL,
    supplier_id UUID REFERENCES inventory_schema.suppliers(id),

    order_date DATE NOT NULL,
    expected_delivery_date DATE,
    actual_delivery_date DATE,

    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    -- 'pending', 'sent', 'partially_received', 'received', 'cancelled'

    subtotal DECIMAL(10, 2),
    tax_amount DECIMAL(10, 2),
    shipping_amount DECIMAL(10, 2),
    total_amount DECIMAL(10, 2),

    notes TEXT,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Purchase Order Items
CREATE TABLE inventory_schema.purchase_order_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    purchase_order_id UUID REFERENCES inventory_schema.purchase_orders(id) ON DELETE CASCADE,
    inventory_item_id UUID REFERENCES inventory_schema.inventory_items(id),

    ndc_code VARCHAR(11) NOT NULL,
    medication_name VARCHAR(255) NOT NULL,

    quantity_ordered DECIMAL(10, 2) NOT NULL,
    quantity_received DECIMAL(10, 2) DEFAULT 0,

    unit_price DECIMAL(10, 4) NOT NULL,
    total_price DECIMAL(10, 2) NOT NULL,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Inventory Transactions (complete audit trail)
CREATE TABLE inventory_schema.inventory_transactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    inventory_item_id UUID REFERENCES inventory_schema.inventory_items(id),
    batch_id UUID REFERENCES inventory_schema.inventory_batches(id),

    transaction_type VARCHAR(50) NOT NULL,
    -- 'receipt', 'dispensed', 'adjustment', 'return', 'expired', 'damaged', 'transfer'

    quantity_change DECIMAL(10, 2) NOT NULL, -- Positive or negative
    quantity_before DECIMAL(10, 2) NOT NULL,
    quantity_after DECIMAL(10, 2) NOT NULL,

    -- Reference to what caused this transaction
    reference_type VARCHAR(50), -- 'prescription', 'purchase_order', 'adjustment'
    reference_id UUID, -- ID of the related record

    reason TEXT,

    transaction_date TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    performed_by UUID,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Stock Adjustments (for discrepancies, damage, etc.)
CREATE TABLE inventory_schema.stock_adjustments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    inventory_item_id UUID REFERENCES inventory_schema.inventory_items(id),
    batch_id UUID REFERENCES inventory_schema.inventory_batches(id),

    adjustment_type VARCHAR(50) NOT NULL, -- 'physical_count', 'damage', 'theft', 'expiry', 'system_error'

    quantity_expected DECIMAL(10, 2) NOT NULL,
    quantity_actual DECIMAL(10, 2) NOT NULL,
    quantity_difference DECIMAL(10, 2) NOT NULL,

    reason TEXT NOT NULL,

    requires_approval BOOLEAN DEFAULT true,
    approved_by UUID,
    approved_at TIMESTAMP WITH TIME ZONE,

    adjustment_date DATE NOT NULL,
    performed_by UUID,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Indexes
CREATE INDEX idx_inventory_items_medication_id ON inventory_schema.inventory_items(medication_id);
CREATE INDEX idx_inventory_items_ndc ON inventory_schema.inventory_items(ndc_code);
CREATE INDEX idx_inventory_batches_inventory_item_id ON inventory_schema.inventory_batches(inventory_item_id);
CREATE INDEX idx_inventory_batches_expiration_date ON inventory_schema.inventory_batches(expiration_date);
CREATE INDEX idx_purchase_orders_supplier_id ON inventory_schema.purchase_orders(supplier_id);
CREATE INDEX idx_purchase_orders_status ON inventory_schema.purchase_orders(status);
CREATE INDEX idx_inventory_transactions_inventory_item_id ON inventory_schema.inventory_transactions(inventory_item_id);
CREATE INDEX idx_inventory_transactions_transaction_date ON inventory_schema.inventory_transactions(transaction_date);
