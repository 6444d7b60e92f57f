CREATE SCHEMA user_schema;

-- Users table
CREATE TABLE user_schema.users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username VARCHAR(50) UNIQUE NOT NULL,
    email VARCHAR(255) UNIQUE NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL,
    phone VARCHAR(20),
    role VARCHAR(50) NOT NULL, -- 'pharmacist', 'technician', 'manager', 'admin'
    license_number VARCHAR(50), -- Professional license for pharmacists
    is_active BOOLEAN DEFAULT true,
    last_login_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP WITH TIME ZONE
);

-- Roles and Permissions (RBAC)
CREATE TABLE user_schema.roles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(50) UNIQUE NOT NULL, -- 'pharmacist', 'technician', etc.
    description TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE user_schema.permissions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(100) UNIQUE NOT NULL, -- 'prescription.fill', 'inventory.adjust', etc.
    description TEXT,
    resource VARCHAR(50) NOT NULL, -- 'prescription', 'inventory', etc.
    action VARCHAR(50) NOT NULL, -- 'create', 'read', 'update', 'delete', 'fill', etc.
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE user_schema.role_permissions (
    role_id UUID REFERENCES user_schema.roles(id) ON DELETE CASCADE,
    permission_id UUID REFERENCES user_schema.permissions(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- User sessions (for JWT refresh tokens)
CREATE TABLE user_schema.user_sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES user_schema.users(id) ON DELETE CASCADE,
    refresh_token VARCHAR(500) NOT NULL,
    ip_address INET,
    user_agent TEXT,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    revoked_at TIMESTAMP WITH TIME ZONE
);

-- Indexes
CREATE INDEX idx_users_email ON user_schema.users(email);
CREATE INDEX idx_users_username ON user_schema.users(username);
CREATE INDEX idx_users_role ON user_schema.users(role);
CREATE INDEX idx_user_sessions_user_id ON user_schema.user_sessions(user_id);
CREATE INDEX idx_user_sessions_refresh_token ON user_schema.user_sessions(refresh_token);
